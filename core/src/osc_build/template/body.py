"""Block bodies: ordered attributes and nested blocks, decoded into plain config dicts."""

from __future__ import annotations

from dataclasses import dataclass

from osc_build.errors import TemplateError

from .nodes import Tree
from .parser import label_text, position
from .values import UNKNOWN


@dataclass
class Attribute:
    name: str
    expr: Tree
    node: Tree


@dataclass
class Block:
    type: str
    labels: list[str]
    body: Tree
    node: Tree

    def location(self, filename: str) -> tuple:
        return (filename, *position(self.node))


def body_items(body: Tree, filename: str) -> list[Attribute | Block]:
    """The attributes and blocks of a body, in file order; duplicate attributes are errors."""
    items: list[Attribute | Block] = []
    seen: dict[str, Tree] = {}
    for child in body.children:
        if not isinstance(child, Tree):
            continue
        if child.data == "attribute":
            name = label_text(child.children[0])
            if name in seen:
                line, _ = position(seen[name])
                raise error(filename, child, f'Attribute redefined: The argument "{name}" was '
                            f"already set at {filename}:{line}. Each argument may be set only "
                            "once.")
            seen[name] = child
            items.append(Attribute(name, child.children[-1], child))
        elif child.data == "block":
            parts = [c for c in child.children if isinstance(c, Tree)
                     and c.data not in ("new_line_or_comment", "body")]
            inner = next(c for c in child.children if isinstance(c, Tree) and c.data == "body")
            names = [label_text(p) for p in parts]
            items.append(Block(names[0], names[1:], inner, child))
    return items


def error(filename: str, node: object, message: str) -> TemplateError:
    line, column = position(node)
    return TemplateError(message, file=filename, line=line, column=column)


def decode_body(evaluator, body: Tree, skip: tuple[str, ...] = ()) -> dict:
    """Attributes to values, nested blocks to lists of dicts, ``dynamic`` blocks expanded."""
    config: dict = {}
    for item in body_items(body, evaluator.filename):
        if (item.name if isinstance(item, Attribute) else item.type) in skip:
            continue
        if isinstance(item, Attribute):
            if item.name in config:  # a block of that name came first
                raise _argument_and_block(evaluator, item, item.name)
            config[item.name] = evaluator.eval(item.expr)
        elif item.type == "dynamic":
            if not item.labels:
                raise error(evaluator.filename, item.node, "Missing dynamic block label: "
                            'dynamic blocks need the type of block to generate, as in '
                            'dynamic "launch_block_device_mappings" { ... }.')
            _blocks(config, evaluator, item, item.labels[0]).extend(
                expand_dynamic(evaluator, item))
        else:
            _blocks(config, evaluator, item, item.type).append(decode_body(evaluator, item.body))
    return config


def _blocks(config: dict, evaluator, item: Block, name: str) -> list:
    blocks = config.setdefault(name, [])
    if not isinstance(blocks, list):  # an argument of that name came first
        raise _argument_and_block(evaluator, item, name)
    return blocks


def _argument_and_block(evaluator, item: Attribute | Block, name: str) -> TemplateError:
    return error(evaluator.filename, item.node, f'Argument and block: "{name}" is set both as '
                 f"an argument ({name} = ...) and as a block ({name} {{ ... }}); set it one way.")


def expand_dynamic(evaluator, block: Block) -> list[dict]:
    items = body_items(block.body, evaluator.filename)
    attrs = {i.name: i for i in items if isinstance(i, Attribute)}
    content = next((i for i in items if isinstance(i, Block) and i.type == "content"), None)
    if "for_each" not in attrs or content is None:
        raise error(evaluator.filename, block.node, "Invalid dynamic block: a dynamic block "
                    "needs a for_each argument and a content block.")
    collection = evaluator.eval(attrs["for_each"].expr)
    iterator = block.labels[0]
    if "iterator" in attrs:
        iterator = str(attrs["iterator"].expr.children[0].children[0])
    pairs = evaluator.pairs(collection, attrs["for_each"].node)
    if pairs is UNKNOWN:
        return []
    out = []
    for key, value in pairs:
        scope = evaluator.child(**{iterator: {"key": key, "value": value}})
        out.append(decode_body(scope, content.body))
    return out


def plain(value: object) -> object:
    """Unknown placeholders become the string ``<unknown>`` (Packer's printable form)."""
    if value is UNKNOWN:
        return "<unknown>"
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
