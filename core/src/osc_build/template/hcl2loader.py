"""Load HCL2 templates: files, packer/variable/locals/data blocks, then sources and builds."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from osc_build.errors import ConfigError, OscBuildError, TemplateError
from osc_build.problems import locate

from .body import Attribute, Block, body_items, decode_body, error, plain
from .builds import decode_build, option_positions

if TYPE_CHECKING:
    from osc_build.problems import Problems
from .evaluator import Evaluator
from .functions import make_functions
from .hcp import BLOCK, check_hcp_block
from .layout import template_files
from .model import PACKER_COMPAT_VERSION, Location, Template, Variable
from .parser import parse_hcl, position
from .requirements import check_packer_block
from .scope import LazyScope
from .values import UNKNOWN, to_bool
from .variables import Declaration, declare, declare_plural, resolve

TOP_LEVEL = {"packer", "variable", "variables", "locals", "local", "data", "source", "build"}
IGNORED = {"communicator"}


def load_hcl2(path: Path, *, vars: Mapping[str, str], var_files: list[Path],
              env: Mapping[str, str], datasource: Callable | None,
              problems: Problems | None = None) -> Template:
    files, auto_files = template_files(path)
    root = (path if path.is_dir() else path.parent).resolve()
    blocks: list[tuple[str, Block]] = []
    for file in files:
        name = str(file)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise TemplateError(f"Cannot read template: {exc.strerror}", file=name) from None
        if name.endswith(".pkr.json"):
            from .hcl_json import parse_json_template  # imported for JSON templates only

            tree = parse_json_template(text, name)
        else:
            tree = parse_hcl(text, name)
        for item in body_items(tree.children[0], name):
            if isinstance(item, Attribute):
                raise error(name, item.node, f'Unsupported argument "{item.name}": an '
                            "argument is not expected at the top level of a template.")
            if item.type == BLOCK:
                check_hcp_block(item, name, env)
                continue
            if item.type in IGNORED:
                continue
            if item.type not in TOP_LEVEL:
                hint = Evaluator.suggest(item.type, sorted(TOP_LEVEL))
                raise error(name, item.node, f'Unsupported block type "{item.type}": blocks '
                            f"of this type are not expected here.{hint}")
            blocks.append((name, item))

    template = Template(path=path, kind="hcl2", builds=[], variables={}, root=root)
    for filename, block in blocks:
        if block.type == "packer":
            check_packer_block(block, filename, template)

    decls: dict[str, Declaration] = {}
    for filename, block in blocks:
        if block.type not in ("variable", "variables"):
            continue
        new = ([declare(block, filename, env)] if block.type == "variable"
               else declare_plural(block, filename, env))
        for decl in new:
            if decl.name in decls:
                first = ":".join(map(str, decls[decl.name].location[:2]))
                raise error(filename, decl.node, f'Duplicate variable "{decl.name}": it was '
                            f"already declared at {first}.")
            decls[decl.name] = decl
    values = resolve(decls, env=env, auto_files=auto_files, var_files=list(var_files),
                     cli_vars=vars, base_dir=root, warnings=template.warnings)
    for name, decl in decls.items():
        template.variables[name] = Variable(
            name, values[name], _type_text(decl), decl.sensitive, decl.description,
            Location(*decl.location))

    functions = make_functions(root)
    scope: dict[str, object] = {
        "var": values,
        "path": {"root": str(root), "cwd": os.getcwd()},
        "packer": {"version": PACKER_COMPAT_VERSION},
    }
    locals_scope, sensitive_locals = _locals(blocks, scope, functions)
    data_scope = _data(blocks, scope, functions, datasource, problems)
    scope["local"] = locals_scope
    scope["data"] = data_scope
    for type_scope in data_scope.values():
        for key, outputs in type_scope.evaluate_all().items():
            template.data_sources[f"{type_scope.kind.split()[-1]}.{key}"] = plain(outputs)
    for name, value in locals_scope.evaluate_all().items():
        template.locals[name] = Variable(name, plain(value), sensitive=name in sensitive_locals)

    sources = {}
    for filename, block in blocks:
        if block.type == "source":
            if len(block.labels) != 2:
                raise error(filename, block.node, 'Invalid source block: it needs a type and '
                            'a name, as in source "outscale-bsu" "ubuntu" {}.')
            key = ".".join(block.labels)
            if key in sources:
                raise error(filename, block.node, f'Duplicate source "{key}": it was already '
                            f"defined at {sources[key][0]}:{position(sources[key][1].node)[0]}.")
            sources[key] = (filename, block)
    for filename, block in blocks:
        if block.type == "build":
            for item in body_items(block.body, filename):
                if isinstance(item, Block) and item.type == BLOCK:
                    check_hcp_block(item, filename, env)
            template.builds.append(decode_build(block, filename, scope, functions, sources,
                                                len(template.builds)))
    for build in template.builds:
        for source in build.sources:
            if source.location and str(source.location.file).endswith(".pkr.json"):
                # Its errors are prefixed with source.<name> already: keep just the file.
                source.location = Location(source.location.file)
                source.positions = {}  # lines of the generated HCL, not of the JSON
    if not template.builds and sources:
        template.warnings.append("The template has sources but no build block: nothing "
                                 "will be built.")

    for variable in [*template.variables.values(), *template.locals.values()]:
        if variable.sensitive:
            template.sensitive_values.update(_strings(variable.value))
    return template


def _type_text(decl: Declaration) -> str:
    from .types import type_to_string
    return type_to_string(decl.type) if decl.type else "any"


def _locals(blocks: list, scope: dict, functions: dict) -> tuple[LazyScope, set[str]]:
    thunks: dict[str, Callable] = {}
    where: dict[str, tuple] = {}
    sensitive: set[str] = set()

    def add(name: str, filename: str, node: object, expr: object) -> None:
        if name in thunks:
            raise error(filename, node, f'Duplicate local "{name}": it was already defined '
                        f"at {where[name][0]}:{where[name][1]}.")
        where[name] = (filename, position(node)[0])
        thunks[name] = lambda: Evaluator(filename, scope, functions).eval(expr)

    for filename, block in blocks:
        if block.type == "locals":
            for item in body_items(block.body, filename):
                if isinstance(item, Block):
                    raise error(filename, item.node, "Unexpected block in locals: locals only "
                                "contain name = expression attributes.")
                add(item.name, filename, item.node, item.expr)
        elif block.type == "local":
            items = {i.name: i for i in body_items(block.body, filename)
                     if isinstance(i, Attribute)}
            if len(block.labels) != 1 or "expression" not in items:
                raise error(filename, block.node, 'Invalid local block: it needs a name and '
                            'an expression, as in local "x" { expression = "..." }.')
            add(block.labels[0], filename, block.node, items["expression"].expr)
            if "sensitive" in items and to_bool(
                    Evaluator(filename, {}, {}).eval(items["sensitive"].expr)):
                sensitive.add(block.labels[0])
    return LazyScope("local", thunks), sensitive


def _data(blocks: list, scope: dict, functions: dict,
          datasource: Callable | None, problems: Problems | None) -> dict[str, LazyScope]:
    by_type: dict[str, dict[str, Callable]] = {}
    for filename, block in blocks:
        if block.type != "data":
            continue
        if len(block.labels) != 2:
            raise error(filename, block.node, 'Invalid data block: it needs a type and a name, '
                        'as in data "outscale-omi" "base" {}.')
        type_, name = block.labels
        if name in by_type.get(type_, {}):
            raise error(filename, block.node, f'Duplicate data source "{type_}.{name}".')

        def thunk(filename=filename, block=block, type_=type_, name=name) -> object:
            config = decode_body(Evaluator(filename, scope, functions), block.body)
            if datasource is None:
                return UNKNOWN
            try:
                outputs = datasource(type_, name, plain(config))
            except TemplateError:
                raise
            except OscBuildError as err:  # bad options, unknown type: say where
                located = (_options_at(filename, block, f"data.{type_}.{name}", str(err))
                           or error(filename, block.node, str(err)))
                if problems is None:
                    raise located from None
                problems.add(located)  # validate: check the rest of the template too
                return UNKNOWN
            if outputs is UNKNOWN:  # checked, not run (validate)
                return UNKNOWN
            if not isinstance(outputs, dict):
                raise error(filename, block.node, f'Data source "{type_}.{name}" returned no '
                            "outputs.")
            return outputs
        by_type.setdefault(type_, {})[name] = thunk
    return {type_: LazyScope(f"data source {type_}", thunks)
            for type_, thunks in by_type.items()}


def _options_at(filename: str, block: Block, where: str, message: str
                ) -> ConfigError | None:
    """A data source's option errors, each at the attribute it is about, in source order."""
    lines = message.splitlines()
    if not all(line.startswith(f"{where}: ") for line in lines):
        return None
    if filename.endswith(".pkr.json"):  # positions are JSON key paths: the options say where
        return ConfigError("\n".join(f"{filename}: {line}" for line in lines))
    positions = {"": str(Location(filename, *position(block.node))),
                 **option_positions(block, filename)}
    problems = [line.removeprefix(f"{where}: ") for line in lines]
    return ConfigError("\n".join(locate(problems, f"{positions['']}: {where}", positions)))


def _strings(value: object) -> set[str]:
    if isinstance(value, str):
        return {value} if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if value is None or value is UNKNOWN:
        return set()
    return {str(value).lower() if isinstance(value, bool) else str(value)}
