"""The ``build`` block: sources (with build-local overrides), provisioners, post-processors.

``build.*`` values are only known while a build runs, so they evaluate to the legacy
placeholder ``{{ build `ID` }}``, which the runner renders with
:func:`osc_build.template.legacy.interpolate` and the build's generated data
(``build.name`` is known and evaluates to the build block's name). ``source.name`` and
``source.type`` in provisioners are the real values when the build has one source, and
``{{ build_name }}``/``{{ build_type }}`` placeholders otherwise.
"""

from __future__ import annotations

from .body import Attribute, Block, body_items, decode_body, error, plain
from .evaluator import Evaluator
from .hcp import BLOCK
from .model import Build, Location, Source, Step
from .nodes import Tree
from .parser import position
from .values import ConversionError, to_bool, to_number, to_string

STEP_META = ("name", "only", "except", "pause_before", "max_retries", "timeout", "override",
             "keep_input_artifact", "continue_on_error")


class BuildPlaceholders(dict):
    """``build.X``: the build name, or a ``{{ build `X` }}`` placeholder for run-time data."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> str:
        return f"{{{{ build `{key}` }}}}"


def decode_build(block: Block, filename: str, scope: dict, functions: dict, sources: dict,
                 index: int) -> Build:
    base = Evaluator(filename, scope, functions)
    items = body_items(block.body, filename)
    attrs = {i.name: i for i in items if isinstance(i, Attribute)}
    for name in attrs:
        if name not in ("name", "description", "sources"):
            raise error(filename, attrs[name].node, f'Unsupported argument "{name}" in build: '
                        "a build accepts name, description and sources.")
    name = to_string(base.eval(attrs["name"].expr)) if "name" in attrs else ""
    description = to_string(base.eval(attrs["description"].expr)) \
        if "description" in attrs else ""
    build = Build(name, description, [], location=Location(filename, *position(block.node)))

    refs: list[tuple[str, object, Block | None]] = []
    if "sources" in attrs:
        for ref in base.eval(attrs["sources"].expr) or []:
            refs.append((_source_key(to_string(ref)), attrs["sources"].node, None))
    for item in items:
        if isinstance(item, Block) and item.type == "source":
            if len(item.labels) != 1:
                raise error(filename, item.node, 'Invalid source reference: use source '
                            '"type.name" {} inside a build.')
            refs.append((_source_key(item.labels[0]), item.node, item))
    if not refs:
        raise error(filename, block.node, "missing source reference: a build block needs "
                    'sources = ["source.type.name"] or a source "type.name" {} block.')

    build_scope = BuildPlaceholders(name=name)
    for key, node, nested in refs:
        if key not in sources:
            hint = Evaluator.suggest(key, list(sources))
            raise error(filename, node, f'Unknown source "{key}": no source block '
                        f"{key.replace('.', ' ', 1)} is defined.{hint}")
        build.sources.append(_decode_source(key, nested, sources[key], filename, scope,
                                            functions, build_scope))

    single = build.sources[0] if len(build.sources) == 1 else None
    source_scope = ({"name": single.name, "type": single.type} if single else
                    {"name": "{{ build_name }}", "type": "{{ build_type }}"})
    steps = Evaluator(filename, {**scope, "build": build_scope, "source": source_scope},
                      functions)
    for item in items:
        if not isinstance(item, Block):
            continue
        if item.type == "provisioner":
            build.provisioners.append(_step(item, steps))
        elif item.type == "error-cleanup-provisioner":
            if build.error_cleanup_provisioner is not None:
                raise error(filename, item.node, "Only one error-cleanup-provisioner block is "
                            "allowed per build.")
            build.error_cleanup_provisioner = _step(item, steps)
        elif item.type == "post-processor":
            build.post_processors.append([_step(item, steps)])
        elif item.type == "post-processors":
            chain = [_step(inner, steps) for inner in body_items(item.body, filename)
                     if isinstance(inner, Block) and inner.type == "post-processor"]
            build.post_processors.append(chain)
        elif item.type not in ("source", BLOCK):  # the loader decided on hcp_packer_registry
            raise error(filename, item.node, f'Unsupported block type "{item.type}" in build: '
                        "expected source, provisioner, error-cleanup-provisioner, "
                        "post-processor or post-processors.")
    return build


def _source_key(ref: str) -> str:
    return ref[len("source."):] if ref.startswith("source.") else ref


def _decode_source(key: str, nested: Block | None, definition: tuple, filename: str,
                   scope: dict, functions: dict, build_scope: dict) -> Source:
    source_file, source_block = definition
    type_, label = key.split(".", 1)
    local_name = label
    extra_attrs: list[Attribute] = []
    extra_blocks: list[Block] = []
    if nested is not None:
        for item in body_items(nested.body, filename):
            if isinstance(item, Attribute) and item.name == "name":
                local_name = to_string(Evaluator(filename, scope, functions).eval(item.expr))
            elif isinstance(item, Attribute):
                extra_attrs.append(item)
            else:
                extra_blocks.append(item)
    source_scope = {**scope, "source": {"name": local_name, "type": type_},
                    "build": build_scope}
    config = decode_body(Evaluator(source_file, source_scope, functions), source_block.body)
    nested_eval = Evaluator(filename, source_scope, functions)
    for attr in extra_attrs:
        if attr.name in config:
            raise error(filename, attr.node, f'Duplicate argument "{attr.name}": it is already '
                        f'set in source "{key}" at {source_file}:'
                        f"{position(source_block.node)[0]}; a build's source block can only "
                        "add arguments.")
        config[attr.name] = nested_eval.eval(attr.expr)
    for inner in extra_blocks:
        config.setdefault(inner.type, []).append(decode_body(nested_eval, inner.body))
    return Source(type_, local_name, plain(config),
                  Location(source_file, *position(source_block.node)), label=label)


def _step(block: Block, evaluator: Evaluator) -> Step:
    filename = evaluator.filename
    if len(block.labels) != 1:
        raise error(filename, block.node, f'Invalid {block.type} block: it needs one label, '
                    f'its type, as in {block.type} "shell" {{}}.')
    meta = {i.name: i for i in body_items(block.body, filename)
            if isinstance(i, Attribute) and i.name in STEP_META}
    config = plain(decode_body(evaluator, block.body, skip=STEP_META))
    step = Step(block.labels[0], config, location=Location(filename, *position(block.node)))
    try:
        for key, attr in meta.items():
            value = plain(evaluator.eval(attr.expr))
            if key in ("only", "except"):
                setattr(step, "except_" if key == "except" else key,
                        [to_string(v) for v in value or []])
            elif key == "max_retries":
                step.max_retries = int(to_number(value))
            elif key in ("keep_input_artifact", "continue_on_error"):
                setattr(step, key, to_bool(value))
            elif key == "override":
                step.override = _override(value, attr.node, filename)
            else:
                setattr(step, key, to_string(value))
    except ConversionError as exc:
        raise error(filename, block.node, f"Invalid {block.type} argument: {exc}") from None
    if step.only and step.except_:
        raise error(filename, block.node, f"Invalid {block.type}: only one of only or except "
                    "can be set.")
    return step


def _override(value: object, node: Tree, filename: str) -> dict:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise error(filename, node, "Invalid override: override must be an object keyed by "
                    "source name, each value an object of arguments.")
    return value
