"""Number functions."""

from __future__ import annotations

import math

from ..values import normalize_number, to_number


def _numbers(*args: object) -> list:
    if not args:
        raise ValueError("must pass at least one number")
    return [to_number(a) for a in args]


def parseint(text: object, base: object) -> int:
    try:
        return int(str(text), int(to_number(base)))
    except ValueError:
        raise ValueError(f"cannot parse {text!r} as a base {base} integer") from None


FUNCTIONS = {
    "min": lambda *a: min(_numbers(*a)),
    "max": lambda *a: max(_numbers(*a)),
    "abs": lambda n: abs(to_number(n)),
    "ceil": lambda n: math.ceil(to_number(n)),
    "floor": lambda n: math.floor(to_number(n)),
    "signum": lambda n: (to_number(n) > 0) - (to_number(n) < 0),
    "pow": lambda a, b: normalize_number(to_number(a) ** to_number(b)),
    "log": lambda n, base: normalize_number(math.log(to_number(n), to_number(base))),
    "parseint": parseint,
}
