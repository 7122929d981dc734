"""HCL values as plain Python objects, and cty's automatic conversions.

Values are ``str``, ``int``/``float`` (numbers), ``bool``, ``None`` (null), ``list``
(tuples, lists and sets) and ``dict`` (objects and maps), plus :data:`UNKNOWN`, the
placeholder that ``validate`` uses for values only known at build time (``data.*``).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation


class Unknown:
    """A value not known yet; every operation on it gives an unknown value."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unknown>"

    def __str__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


class ConversionError(ValueError):
    """A value that cannot be converted to the wanted type (message says why)."""


def type_name(value: object) -> str:
    """cty's friendly name of a value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    if value is UNKNOWN:
        return "unknown"
    return type(value).__name__


def normalize_number(value: int | float | Decimal) -> int | float:
    """Whole numbers become ``int`` (cty has one number type; 4.0 prints as 4)."""
    if isinstance(value, bool):
        raise ConversionError("a bool is not a number")
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def number_to_string(value: int | float) -> str:
    """cty's string form of a number: ``3``, ``1.5``, ``1e+30`` style avoided."""
    value = normalize_number(value)
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def to_string(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_to_string(value)
    if value is None:
        raise ConversionError("a null value cannot be converted to string")
    raise ConversionError(f"cannot convert {type_name(value)} to string; string required")


def to_number(value: object) -> int | float:
    if isinstance(value, bool):
        raise ConversionError("a bool is required to be a number here; number required")
    if isinstance(value, int | float):
        return normalize_number(value)
    if isinstance(value, str):
        try:
            return normalize_number(Decimal(value.strip()))
        except InvalidOperation:
            raise ConversionError(
                f'cannot convert "{value}" to number; given string must be a decimal '
                "representation of a number") from None
    if value is None:
        raise ConversionError("a null value cannot be converted to number")
    raise ConversionError(f"cannot convert {type_name(value)} to number; number required")


def to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value == "true":
            return True
        if value == "false":
            return False
        raise ConversionError(f'cannot convert "{value}" to bool; only the strings "true" '
                              'or "false" are allowed')
    if value is None:
        raise ConversionError("a null value cannot be converted to bool")
    raise ConversionError(f"cannot convert {type_name(value)} to bool; bool required")


def distinct(items: list) -> list:
    """Keep the first occurrence of each value (values may be unhashable)."""
    out: list = []
    for item in items:
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def equal(a: object, b: object) -> bool:
    """cty equality: values of different types are never equal (``1 != "1"``)."""
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b


def is_known(value: object) -> bool:
    """True when no part of ``value`` is unknown."""
    if value is UNKNOWN:
        return False
    if isinstance(value, list):
        return all(is_known(item) for item in value)
    if isinstance(value, dict):
        return all(is_known(item) for item in value.values())
    return True
