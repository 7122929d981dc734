"""HCL's arithmetic, comparison and logical operators with cty's conversions."""

from __future__ import annotations

from decimal import Decimal, localcontext

from .values import UNKNOWN, ConversionError, equal, normalize_number, to_bool, to_number


def _decimal(value: int | float) -> Decimal:
    """Floats through their shortest text (0.2 stays 0.2): cty numbers are decimal."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def _exact(operation):
    """Run an operation in 60-digit decimal arithmetic, like cty's big floats."""
    def run(a: int | float, b: int | float) -> int | float:
        if isinstance(a, int) and isinstance(b, int) and operation is not divide_decimal:
            return operation(a, b)
        with localcontext() as context:
            context.prec = 60
            return normalize_number(operation(_decimal(a), _decimal(b)))
    return run


def divide_decimal(a, b):
    if b == 0:
        raise ZeroDivisionError("can't divide by zero")
    if isinstance(a, int) and isinstance(b, int):
        if a % b == 0:
            return a // b
        with localcontext() as context:
            context.prec = 60
            return normalize_number(Decimal(a) / Decimal(b))
    return a / b


def modulo_decimal(a, b):
    """Remainder with the sign of the dividend (truncated division), as cty."""
    if b == 0:
        raise ZeroDivisionError("can't compute modulo by zero")
    if isinstance(a, int) and isinstance(b, int):
        remainder = abs(a) % abs(b)
        return -remainder if a < 0 else remainder
    return a % b  # Decimal's % keeps the sign of the dividend


divide = _exact(divide_decimal)
modulo = _exact(modulo_decimal)


_ARITHMETIC = {
    "+": _exact(lambda a, b: a + b),
    "-": _exact(lambda a, b: a - b),
    "*": _exact(lambda a, b: a * b),
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
