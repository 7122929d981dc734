"""HCL's arithmetic, comparison and logical operators with cty's conversions."""

from __future__ import annotations

from .values import UNKNOWN, ConversionError, equal, normalize_number, to_bool, to_number


def divide(a: int | float, b: int | float) -> int | float:
    if b == 0:
        raise ZeroDivisionError("can't divide by zero")
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return normalize_number(a / b)


def modulo(a: int | float, b: int | float) -> int | float:
    """Remainder with the sign of the dividend (truncated division), as cty."""
    if b == 0:
        raise ZeroDivisionError("can't compute modulo by zero")
    if isinstance(a, int) and isinstance(b, int):
        remainder = abs(a) % abs(b)
        return -remainder if a < 0 else remainder
    import math
    return normalize_number(math.fmod(a, b))


_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": divide,
    "%": modulo,
}
_COMPARISON = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def apply_binary(operator: str, lhs: object, rhs: object) -> object:
    if operator in ("==", "!="):
        if lhs is UNKNOWN or rhs is UNKNOWN:
            return UNKNOWN
        same = equal(lhs, rhs)
        return same if operator == "==" else not same
    if operator in ("&&", "||"):
        if lhs is UNKNOWN or rhs is UNKNOWN:
            return UNKNOWN
        a, b = to_bool(lhs), to_bool(rhs)
        return (a and b) if operator == "&&" else (a or b)
    if lhs is UNKNOWN or rhs is UNKNOWN:
        return UNKNOWN
    a, b = to_number(lhs), to_number(rhs)
    if operator in _ARITHMETIC:
        return normalize_number(_ARITHMETIC[operator](a, b))
    if operator in _COMPARISON:
        return _COMPARISON[operator](a, b)
    raise ConversionError(f"unknown operator {operator}")


def apply_unary(operator: str, value: object) -> object:
    if value is UNKNOWN:
        return UNKNOWN
    if operator == "!":
        return not to_bool(value)
    return normalize_number(-to_number(value))
