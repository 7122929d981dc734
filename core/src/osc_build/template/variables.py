"""Input variables: declarations, Packer's value precedence, conversion and validation.

Precedence (last wins): default < ``PKR_VAR_name`` < ``*.auto.pkrvars.hcl`` then
``*.auto.pkrvars.json`` (directory mode) < ``-var-file`` (in order) < ``-var``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from osc_build.errors import TemplateError

from .body import Attribute, Block, body_items, error
from .evaluator import Evaluator
from .functions import default_functions, make_functions
from .parser import parse_expression, parse_hcl, position
from .typeexpr import parse_type
from .types import ANY, Type, convert, infer_type, type_to_string
from .values import ConversionError, to_bool

_MISSING = object()
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass
class Declaration:
    name: str
    filename: str
    node: object
    type: Type | None = None
    default: object = _MISSING
    description: str = ""
    sensitive: bool = False
    nullable: bool = True
    validations: list[Block] = field(default_factory=list)

    @property
    def location(self) -> tuple:
        return (self.filename, *position(self.node))


def declare(block: Block, filename: str, env: Mapping[str, str]) -> Declaration:
    """A ``variable "name" {}`` block; its default may only call ``env()``."""
    if len(block.labels) != 1:
        raise error(filename, block.node, 'Missing name for variable: a variable block needs '
                    'exactly one label, its name, as in variable "region" {}.')
    name = block.labels[0]
    if not _IDENTIFIER.match(name):
        raise error(filename, block.node, f'Invalid variable name "{name}": a name must start '
                    "with a letter or underscore and contain only letters, digits, "
                    "underscores and dashes.")
    decl = Declaration(name, filename, block.node)
    defaults = Evaluator(filename, {}, default_functions(env))
    allowed = {"type", "default", "description", "sensitive", "nullable", "validation"}
    for item in body_items(block.body, filename):
        key = item.name if isinstance(item, Attribute) else item.type
        if key not in allowed:
            raise error(filename, item.node, f'Unsupported argument "{key}" in variable '
                        f'"{name}": a variable block accepts {", ".join(sorted(allowed))}.')
        if isinstance(item, Block):
            decl.validations.append(item)
        elif key == "type":
            decl.type = parse_type(item.expr, filename, defaults)
        elif key == "default":
            decl.default = defaults.eval(item.expr)
        elif key == "description":
            decl.description = str(defaults.eval(item.expr))
        else:
            try:
                setattr(decl, key, to_bool(defaults.eval(item.expr)))
            except ConversionError as exc:
                raise error(filename, item.expr, f"Invalid {key} value: {exc}") from None
    if decl.type is not None and decl.default not in (_MISSING, None):
        try:
            decl.default = convert(decl.default, decl.type)
        except ConversionError as exc:
            raise error(filename, block.node, f'Invalid default value for variable "{name}": '
                        f"{exc}.") from None
    return decl


def declare_plural(block: Block, filename: str, env: Mapping[str, str]) -> list[Declaration]:
    """The legacy ``variables { name = default }`` block."""
    defaults = Evaluator(filename, {}, default_functions(env))
    decls = []
    for item in body_items(block.body, filename):
        if isinstance(item, Block):
            raise error(filename, item.node, "Unexpected block in variables: the variables "
                        "block only takes name = default attributes.")
        decls.append(Declaration(item.name, filename, item.node,
                                 default=defaults.eval(item.expr)))
    return decls


def read_var_file(path: Path, base_dir: Path) -> dict[str, tuple[object, tuple]]:
    """name -> (value, location) from a ``.pkrvars.hcl``/``.json`` var file."""
    name = str(path)
    if name.endswith(".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise TemplateError(f"Cannot read variable file: {exc}", file=name) from None
        if not isinstance(data, dict):
            raise TemplateError("Invalid variable file: a JSON object is expected", file=name)
        return {k: (v, (name, None, None)) for k, v in data.items()}
    if not name.endswith(".hcl"):
        raise TemplateError(f'Could not guess format of {name}: a variable file must end in '
                            '".hcl" or ".json".', file=name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"Cannot read variable file: {exc.strerror}", file=name) from None
    tree = parse_hcl(text, name)
    evaluator = Evaluator(name, {}, make_functions(base_dir))
    values = {}
    for item in body_items(tree.children[0], name):
        if isinstance(item, Block):
            raise error(name, item.node, "Variable declaration in a .pkrvar file: a variable "
                        "file only assigns values (name = value); declare variables with "
                        "variable blocks in a .pkr.hcl file.")
        values[item.name] = (evaluator.eval(item.expr), (name, *position(item.node)))
    return values


def resolve(decls: dict[str, Declaration], *, env: Mapping[str, str], auto_files: list[Path],
            var_files: list[Path], cli_vars: Mapping[str, str], base_dir: Path,
            warnings: list[str]) -> dict[str, object]:
    """Apply the value sources in precedence order, then convert and validate."""
    values: dict[str, tuple[object, tuple]] = {
        n: (d.default, d.location) for n, d in decls.items() if d.default is not _MISSING}
    for key, raw in env.items():
        if key.startswith("PKR_VAR_") and key[8:] in decls:
            decl = decls[key[8:]]
            values[decl.name] = (_from_text(decl, raw, f"PKR_VAR_{decl.name}"),
                                 (f"PKR_VAR_{decl.name}", None, None))
    for path in [*auto_files, *var_files]:
        for name, entry in read_var_file(path, base_dir).items():
            if name in decls:
                values[name] = entry
            else:
                where = ":".join(str(part) for part in entry[1][:2] if part is not None)
                warnings.append(f'{where}: Undefined variable: "{name}" is set but not declared '
                                f'by a variable block, so it is ignored; declare it with variable '
                                f'"{name}" {{}} in a .pkr.hcl file, or remove it.')
    for name, raw in cli_vars.items():
        if name not in decls:
            hint = _suggest(name, list(decls))
            raise TemplateError(f'Undefined -var variable: A "{name}" variable was passed in '
                                f'but was not found in known variables.{hint} To declare '
                                f'variable "{name}", place this block in one of your '
                                '.pkr.hcl files, such as variables.pkr.hcl')
        values[name] = (_from_text(decls[name], raw, "-var"), ("-var", None, None))
    result = {}
    for name, decl in decls.items():
        if name not in values:
            file, line, column = decl.location
            raise TemplateError(f'Unset variable "{name}": A used variable must be set or have '
                                "a default value; set it with -var, -var-file, "
                                f"PKR_VAR_{name} or a default.", file=file, line=line,
                                column=column)
        value, where = values[name]
        type_ = decl.type or (infer_type(decl.default) if decl.default is not _MISSING
                              else ANY)
        try:
            value = convert(value, type_)
        except ConversionError as exc:
            raise TemplateError(f'Invalid value for variable "{name}": {exc}; the variable '
                                f"type is {type_to_string(type_)}.", file=where[0],
                                line=where[1], column=where[2]) from None
        if value is None and not decl.nullable:
            raise TemplateError(f'Invalid value for variable "{name}": the variable is not '
                                "nullable, so it cannot be null.", file=where[0],
                                line=where[1], column=where[2])
        result[name] = value
    for decl in decls.values():
        _validate(decl, result[decl.name], base_dir)
    return result


def _from_text(decl: Declaration, raw: str, origin: str) -> object:
    """String/number/untyped values are literal text; other types are HCL expressions."""
    if decl.type is None or decl.type[0] in ("string", "number", "any"):
        return raw
    tree = parse_expression(raw, origin)
    return Evaluator(origin, {}, {}).eval(tree)


def _validate(decl: Declaration, value: object, base_dir: Path) -> None:
    evaluator = Evaluator(decl.filename, {"var": {decl.name: value}}, make_functions(base_dir))
    for block in decl.validations:
        items = {i.name: i for i in body_items(block.body, decl.filename)
                 if isinstance(i, Attribute)}
        if "condition" not in items or "error_message" not in items:
            raise error(decl.filename, block.node, "Invalid validation block: it needs a "
                        "condition and an error_message.")
        message = str(evaluator.eval(items["error_message"].expr))
        if not message.strip() or message.rstrip()[-1] not in ".?!" or \
                (message[0].isalpha() and not message[0].isupper()):
            raise error(decl.filename, items["error_message"].node, "Invalid validation "
                        "error message: it must be at least one full sentence: start with an "
                        "uppercase letter and end with a period or question mark.")
        try:
            ok = to_bool(evaluator.eval(items["condition"].expr))
        except ConversionError as exc:
            raise error(decl.filename, items["condition"].node,
                        f"Invalid validation condition: {exc}") from None
        if not ok:
            file, line, _ = decl.filename, *position(block.node)
            raise error(decl.filename, items["condition"].node,
                        f'Invalid value for variable "{decl.name}": {message} This was '
                        f"checked by the validation rule at {file}:{line}.")


def _suggest(name: str, candidates: list[str]) -> str:
    import difflib
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""
