"""Variable type constraints (``string``, ``list(T)``, ``object({...})``...) and conversion.

A type is a tuple: ``("string",)``, ``("number",)``, ``("bool",)``, ``("any",)``,
``("list", T)``, ``("set", T)``, ``("map", T)``, ``("tuple", [T, ...])`` or
``("object", {name: (T, optional, default)})``.
"""

from __future__ import annotations

from .values import (
    UNKNOWN,
    ConversionError,
    distinct,
    to_bool,
    to_number,
    to_string,
    type_name,
)

Type = tuple

ANY: Type = ("any",)
PRIMITIVES = {"string", "number", "bool", "any"}
COLLECTIONS = {"list", "set", "map"}


def type_to_string(type_: Type) -> str:
    kind = type_[0]
    if kind in PRIMITIVES:
        return kind
    if kind in COLLECTIONS:
        return f"{kind}({type_to_string(type_[1])})"
    if kind == "tuple":
        return "tuple([" + ", ".join(type_to_string(t) for t in type_[1]) + "])"
    attrs = ", ".join(f"{name} = {type_to_string(t)}" for name, (t, _, _) in type_[1].items())
    return "object({" + attrs + "})"


def convert(value: object, type_: Type, path: str = "") -> object:
    """Convert ``value`` to ``type_`` the way cty does, or raise ConversionError."""
    kind = type_[0]
    if value is None or value is UNKNOWN or kind == "any":
        return value
    where = f"{path}: " if path else ""
    try:
        if kind == "string":
            return to_string(value)
        if kind == "number":
            return to_number(value)
        if kind == "bool":
            return to_bool(value)
    except ConversionError as exc:
        raise ConversionError(f"{where}{exc}") from None
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise ConversionError(f"{where}{kind} of {type_to_string(type_[1])} required, "
                                  f"got {type_name(value)}")
        items = [convert(item, type_[1], f"{path}[{i}]") for i, item in enumerate(value)]
        return _sorted_set(items) if kind == "set" else items
    if kind == "map":
        if not isinstance(value, dict):
            raise ConversionError(f"{where}map of {type_to_string(type_[1])} required, "
                                  f"got {type_name(value)}")
        return {k: convert(v, type_[1], f"{path}[{k!r}]") for k, v in value.items()}
    if kind == "tuple":
        if not isinstance(value, list) or len(value) != len(type_[1]):
            raise ConversionError(f"{where}tuple of {len(type_[1])} elements required")
        return [convert(v, t, f"{path}[{i}]")
                for i, (v, t) in enumerate(zip(value, type_[1], strict=True))]
    if kind == "object":
        if not isinstance(value, dict):
            raise ConversionError(f"{where}object required, got {type_name(value)}")
        out = {}
        for name, (attr_type, optional, default) in type_[1].items():
            if name in value and value[name] is not None:
                out[name] = convert(value[name], attr_type, f"{path}.{name}".lstrip("."))
            elif optional:
                out[name] = convert(default, attr_type, name) if default is not None else None
            else:
                raise ConversionError(f'{where}attribute "{name}" is required')
        return out
    raise ConversionError(f"unsupported type {kind}")


def _sorted_set(items: list) -> list:
    unique = distinct(items)
    try:
        return sorted(unique)
    except TypeError:
        return unique


def infer_type(value: object) -> Type:
    """The type an untyped variable takes from its default."""
    if isinstance(value, bool):
        return ("bool",)
    if isinstance(value, int | float):
        return ("number",)
    if isinstance(value, str):
        return ("string",)
    return ANY
