"""HCL2 templates in JSON syntax (``.pkr.json``): translated into native HCL, then parsed.

Why a translation: the evaluator, the body decoder and the parse cache all work on the
native parse tree, so going through native text gives a ``.pkr.json`` template exactly
the meaning of its ``.pkr.hcl`` twin. The rules are HCL's JSON syntax (hashicorp/hcl
json/spec.md): the schema says which keys are blocks (with how many label levels) and
which are attributes; a block's value is an object or an array of objects; JSON strings
are string templates; ``"//"`` keys of bodies are comments. Inside source, data,
provisioner and post-processor bodies the schema is the component's option schema, so
``source_omi_filter`` or ``launch_block_device_mappings`` are blocks there.

Every generated line remembers the JSON key path it comes from; the tree's line numbers
are replaced by :class:`JsonPath`, so that errors read
``t.pkr.json: source.outscale-bsu.main.vm_type: ...``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from osc_build.errors import OscBuildError, TemplateError

from .nodes import Meta, Token, Tree
from .parser import parse_hcl
from .strings import matching_brace

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_CONTROL = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


class JsonPath(int):
    """A line number of the generated text that prints as the JSON key path it stands for."""

    path: str

    def __new__(cls, line: int, path: str) -> JsonPath:
        number = super().__new__(cls, line)
        number.path = path
        return number

    def __str__(self) -> str:
        # TemplateError joins file:line:column; the space gives "t.pkr.json: a.b: ...".
        return f" {self.path}"

    def __add__(self, other: object) -> object:
        return self if other == 0 else int(self) + other

    __radd__ = __add__

    def __reduce__(self):
        return JsonPath, (int(self), self.path)


class _Object(list):
    """A JSON object as its ordered (key, value) pairs: duplicates and order are kept."""


class _Number(str):
    """A JSON number, kept as its text so that no precision is lost."""


@dataclass
class BodySchema:
    """Which keys of a body are blocks: name -> (label count, schema of a block's body)."""

    blocks: dict[str, tuple[int, Callable[[list[str]], BodySchema]]] = field(
        default_factory=dict)
    raw: frozenset[str] = frozenset()  # attributes whose string is an expression, not a template


EMPTY = BodySchema()


def _fixed(schema: BodySchema) -> Callable[[list[str]], BodySchema]:
    return lambda labels: schema


# --- component bodies: blocks are the nested schemas of the component's options ------

def _option_body(schema: object | None) -> BodySchema:
    """The body schema of a marshmallow options schema (None: every key an attribute)."""
    blocks: dict = {"dynamic": (1, lambda labels: _dynamic_body(schema, labels[0]))}
    if schema is not None:
        instance = schema() if isinstance(schema, type) else schema
        for name, option in instance.fields.items():
            nested = _nested(option)
            if nested is not None and not option.dump_only:
                blocks[option.data_key or name] = (0, _fixed_nested(nested))
    return BodySchema(blocks)


def _fixed_nested(nested: object) -> Callable[[list[str]], BodySchema]:
    return lambda labels: _option_body(nested)


def _dynamic_body(schema: object | None, block_type: str) -> BodySchema:
    nested = None
    if schema is not None:
        instance = schema() if isinstance(schema, type) else schema
        nested = next((_nested(f) for n, f in instance.fields.items()
                       if (f.data_key or n) == block_type), None)
    content = _option_body(nested)
    return BodySchema({"content": (0, lambda labels: content)}, raw=frozenset({"iterator"}))


def _nested(option: object) -> object | None:
    from marshmallow import Schema, fields

    if isinstance(option, fields.List):
        option = option.inner
    if isinstance(option, fields.Nested):
        return option.schema if isinstance(option.schema, Schema) else None
    return None


@lru_cache(maxsize=64)
def _component_body(kind_label: str, name: str) -> BodySchema:
    """The body schema of an installed component; all attributes when it is not installed."""
    from osc_build import registry
    from osc_build.schema_walk import component_schema

    kind = next(k for k in registry.KINDS if k.label == kind_label)
    try:
        schema = component_schema(kind, registry.load(kind, name))
    except OscBuildError as exc:  # reported where the component is loaded for real
        log.debug("no option schema for %s %s: %s", kind_label, name, exc)
        schema = None
    return _option_body(schema)


def _component(kind_label: str) -> Callable[[list[str]], BodySchema]:
    """The body schema of a block whose first label names the component."""
    return lambda labels: _component_body(kind_label, labels[0])


def _build_source(labels: list[str]) -> BodySchema:
    ref = labels[0].removeprefix("source.")
    return _component_body("builder", ref.split(".", 1)[0])


_STEP_BLOCKS = {"provisioner": "provisioner", "error-cleanup-provisioner": "provisioner",
                "post-processor": "post-processor"}
BUILD = BodySchema({
    "source": (1, _build_source),
    **{name: (1, _component(kind)) for name, kind in _STEP_BLOCKS.items()},
    "post-processors": (0, _fixed(BodySchema(
        {"post-processor": (1, _component("post-processor"))}))),
    "hcp_packer_registry": (0, _fixed(EMPTY)),
})
TOP_LEVEL = BodySchema({
    "packer": (0, _fixed(BodySchema({"required_plugins": (0, _fixed(EMPTY))}))),
    "variable": (1, _fixed(BodySchema({"validation": (0, _fixed(EMPTY))},
                                      raw=frozenset({"type"})))),
    "variables": (0, _fixed(EMPTY)),
    "locals": (0, _fixed(EMPTY)),
    "local": (1, _fixed(EMPTY)),
    "source": (2, _component("builder")),
    "data": (2, _component("data source")),
    "build": (0, _fixed(BUILD)),
    "hcp_packer_registry": (0, _fixed(EMPTY)),
})


# --- translation ----------------------------------------------------------------------

class _Writer:
    """Native HCL lines, each with the JSON key path it was generated from."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.lines: list[str] = []
        self.paths: list[str] = []

    def add(self, text: str, path: str) -> None:
        self.lines.append(text)
        self.paths.append(path)

    def error(self, path: str, message: str) -> TemplateError:
        return TemplateError(message, file=self.filename, line=JsonPath(0, path))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _objects(writer: _Writer, value: object, path: str, what: str) -> list[tuple[_Object, str]]:
    """An object, or each object of an array, with its path."""
    if isinstance(value, _Object):
        return [(value, path)]
    if isinstance(value, list):
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, _Object):
                raise writer.error(f"{path}[{index}]", f"Incorrect JSON value type: {what} "
                                   "must be a JSON object or an array of objects.")
            out.append((item, f"{path}[{index}]"))
        return out
    raise writer.error(path, f"Incorrect JSON value type: {what} must be a JSON object or an "
                       "array of objects.")


def _body(writer: _Writer, value: object, schema: BodySchema, path: str, what: str) -> None:
    for obj, where in _objects(writer, value, path, what):
        for key, item in obj:
            if key == "//":
                continue
            here = _join(where, key)
            if key in schema.blocks:
                count, body_schema = schema.blocks[key]
                _blocks(writer, key, item, count, [], body_schema, here)
            else:
                _attribute(writer, key, item, here, raw=key in schema.raw)


def _blocks(writer: _Writer, type_: str, value: object, count: int, labels: list[str],
            body_schema: Callable[[list[str]], BodySchema], path: str) -> None:
    if len(labels) < count:
        what = f'the labels of a "{type_}" block'
        for obj, where in _objects(writer, value, path, what):
            for label, inner in obj:
                _blocks(writer, type_, inner, count, [*labels, label], body_schema,
                        _join(where, label))
        return
    heads = " ".join([type_, *(_quoted_label(label) for label in labels)])
    for obj, where in _objects(writer, value, path, f'a "{type_}" block'):
        writer.add(heads + " {", where)
        _body(writer, obj, body_schema(labels), where, f'a "{type_}" block')
        writer.add("}", where)


def _quoted_label(label: str) -> str:
    return '"' + "".join(_escape(char) for char in label) + '"'


def _attribute(writer: _Writer, name: str, value: object, path: str, raw: bool) -> None:
    if not _NAME.match(name):
        raise writer.error(path, f'Invalid argument name "{name}": a name starts with a letter '
                           "or underscore and contains only letters, digits, underscores and "
                           "dashes.")
    if raw:
        if not isinstance(value, str) or isinstance(value, _Number):
            raise writer.error(path, f'Invalid "{name}": in JSON syntax it is a string holding '
                               'an expression, as in "list(string)".')
        lines = [(text, path) for text in (value.strip() or '""').split("\n")]
    else:
        lines = _expression(writer, value, path)
    writer.add(f"{name} = {lines[0][0]}", lines[0][1])
    for text, where in lines[1:]:
        writer.add(text, where)


def _expression(writer: _Writer, value: object, path: str) -> list[tuple[str, str]]:
    """The native text of a JSON value (one or more lines, each with its path)."""
    if isinstance(value, _Number):
        return [(str(value), path)]
    if isinstance(value, str):
        return [(_template(writer, value, path), path)]
    if value is True or value is False or value is None:
        return [(json.dumps(value), path)]
    if isinstance(value, _Object):
        if not value:
            return [("{}", path)]
        lines = [("{", path)]
        for key, item in value:
            here = _join(path, key)
            inner = _expression(writer, item, here)
            lines.append((f"{_template(writer, key, here)} = {inner[0][0]}", inner[0][1]))
            lines.extend(inner[1:])
        return [*lines, ("}", path)]
    if not value:
        return [("[]", path)]
    lines = [("[", path)]
    for index, item in enumerate(value):
        inner = _expression(writer, item, f"{path}[{index}]")
        inner[-1] = (inner[-1][0] + ",", inner[-1][1])
        lines.extend(inner)
    return [*lines, ("]", path)]


def _escape(char: str) -> str:
    if char in _CONTROL:
        return _CONTROL[char]
    return f"\\u{ord(char):04x}" if ord(char) < 0x20 or char == "\x7f" else char


def _template(writer: _Writer, text: str, path: str) -> str:
    """A JSON string (a string template) as a native quoted template."""
    out = ['"']
    pos = 0
    while pos < len(text):
        if text.startswith(("$${", "%%{"), pos):
            out.append(text[pos:pos + 3])
            pos += 3
        elif text.startswith(("${", "%{"), pos):
            end = matching_brace(text, pos + 2)
            if end < 0:
                raise writer.error(path, f"Unterminated template string: the {text[pos:pos + 2]} "
                                   "has no closing }; write $${ for a literal ${.")
            out.append(text[pos:end + 1].replace("\n", " "))
            pos = end + 1
        else:
            out.append(_escape(text[pos]))
            pos += 1
    out.append('"')
    return "".join(out)


class _NotJson(ValueError):
    """NaN or Infinity: Python's json accepts them, JSON (and HCL) does not."""


def _not_a_number(name: str) -> object:
    raise _NotJson(name)


def _load_json(text: str, filename: str) -> object:
    try:
        return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_Object,
                          parse_int=_Number, parse_float=_Number,
                          parse_constant=_not_a_number)
    except _NotJson as exc:
        raise TemplateError(f"Invalid JSON: {exc} is not a JSON number; HCL numbers are "
                            "finite, write a number", file=filename) from None
    except json.JSONDecodeError as exc:
        raise TemplateError(f"Invalid JSON: {exc.msg}; a .pkr.json template is one JSON "
                            "object", file=filename, line=exc.lineno, column=exc.colno) from None


def translate(text: str, filename: str) -> tuple[str, list[str]]:
    """(native HCL text, the JSON path of each of its lines) of a .pkr.json template."""
    document = _load_json(text, filename)
    writer = _Writer(filename)
    if not isinstance(document, (_Object, list)):
        raise TemplateError("Invalid template: a .pkr.json template is a JSON object whose "
                            'keys are block types such as "source" and "build"', file=filename)
    _body(writer, document, TOP_LEVEL, "", "the template")
    return "\n".join(writer.lines) + "\n", writer.paths


def parse_json_template(text: str, filename: str) -> Tree:
    """The parse tree of a .pkr.json template, its positions being JSON key paths."""
    native, paths = translate(text, filename)

    def at(line: int | None) -> JsonPath | None:
        if line is None or not paths:
            return None
        return JsonPath(line, paths[min(max(line, 1), len(paths)) - 1] or "(top level)")

    try:
        tree = parse_hcl(native, filename)
    except TemplateError as exc:
        where = ":".join(str(p) for p in (exc.file, exc.line, exc.column) if p is not None)
        message = str(exc).removeprefix(f"{where}: ")
        raise TemplateError(message, file=filename, line=at(exc.line)) from None
    return _relocated(tree, at)


def _relocated(node: object, at: Callable[[int | None], JsonPath | None]) -> object:
    """A copy of ``node`` whose lines are JSON paths (and without columns)."""
    if isinstance(node, Token):
        return Token(node.type, str(node), at(node.line), None)
    if isinstance(node, Tree):
        meta = Meta() if node.meta.empty else Meta(at(node.meta.line), None)
        return Tree(node.data, [_relocated(child, at) for child in node.children], meta)
    return node
