"""String functions (cty stdlib semantics)."""

from __future__ import annotations

import re

from ..values import to_number, to_string, type_name
from .regex import go_regex, regex, regex_replace, regexall

__all__ = ["FUNCTIONS"]


def _format(spec: str, *args: object) -> str:
    """cty's ``format``: Go-style verbs %s %d %f %q %v %t %x %o %b %e %g and %%."""
    out: list[str] = []
    index = 0
    pattern = re.compile(r"%(?:\[(\d+)\])?([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")
    pos = 0
    for match in pattern.finditer(spec):
        out.append(spec[pos:match.start()])
        pos = match.end()
        explicit, flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if explicit:
            index = int(explicit) - 1
        if index >= len(args):
            raise ValueError(f"not enough arguments for %{verb} at offset {match.start()}")
        value = args[index]
        index += 1
        out.append(_format_one(value, verb, flags, width, precision))
    out.append(spec[pos:])
    return "".join(out)


def _format_one(value: object, verb: str, flags: str, width: str | None,
                precision: str | None) -> str:
    py_flags = flags.replace("#", "")
    if verb in ("s", "v"):
        text = _plain(value) if verb == "v" else to_string(value)
        if precision:
            text = text[:int(precision)]
        return f"{text:{'<' if '-' in flags else '>'}{width or ''}}"
    if verb == "q":
        import json
        return json.dumps(to_string(value))
    if verb == "t":
        if not isinstance(value, bool):
            raise ValueError(f"unsupported value for %t: {type_name(value)}")
        return "true" if value else "false"
    number = to_number(value)
    if verb in "dxXob":
        if not isinstance(number, int):
            raise ValueError(f"unsupported value for %{verb}: {number} is not an integer")
        return format(number, f"{py_flags}{width or ''}{verb}")
    precision_part = f".{precision}" if precision is not None else ".6"
    return format(float(number), f"{py_flags}{width or ''}{precision_part}{verb}")


def _plain(value: object) -> str:
    if isinstance(value, list | dict):
        import json
        return json.dumps(value, separators=(",", ":"))
    return to_string(value)


def title(text: str) -> str:
    return re.sub(r"(^|[^\w'])(\w)", lambda m: m.group(1) + m.group(2).upper(), text)


def substr(text: str, offset: int, length: int) -> str:
    offset, length = int(to_number(offset)), int(to_number(length))
    if offset < 0:
        offset = max(len(text) + offset, 0)
    return text[offset:] if length == -1 else text[offset:offset + length]


def indent(spaces: int, text: str) -> str:
    pad = " " * int(to_number(spaces))
    return text.replace("\n", "\n" + pad)


def _str(func):
    return lambda *args: func(*[to_string(a) for a in args])


FUNCTIONS = {
    "upper": _str(str.upper),
    "lower": _str(str.lower),
    "title": _str(title),
    "replace": _str(lambda s, old, new: s.replace(old, new)),
    "regex_replace": lambda s, pattern, repl: regex_replace(to_string(s), to_string(pattern),
                                                            to_string(repl)),
    "regex": lambda pattern, s: regex(to_string(pattern), to_string(s)),
    "regexall": lambda pattern, s: regexall(to_string(pattern), to_string(s)),
    "split": _str(lambda sep, s: s.split(sep) if sep else list(s)),
    "join": lambda sep, items, *more: to_string(sep).join(
        to_string(i) for lst in (items, *more) for i in lst),
    "format": lambda spec, *args: _format(to_string(spec), *args),
    "formatlist": lambda spec, *lists: [
        _format(to_string(spec), *[lst[i] if isinstance(lst, list) else lst for lst in lists])
        for i in range(max((len(x) for x in lists if isinstance(x, list)), default=1))],
    "trimspace": _str(str.strip),
    "trimprefix": _str(lambda s, p: s[len(p):] if p and s.startswith(p) else s),
    "trimsuffix": _str(lambda s, p: s[:-len(p)] if p and s.endswith(p) else s),
    "trim": _str(lambda s, chars: s.strip(chars)),
    "chomp": _str(lambda s: re.sub(r"(\r\n|\n|\r)+$", "", s)),
    "substr": lambda s, offset, length: substr(to_string(s), offset, length),
    "strrev": _str(lambda s: s[::-1]),
    "startswith": _str(lambda s, p: s.startswith(p)),
    "endswith": _str(lambda s, p: s.endswith(p)),
    "strcontains": _str(lambda s, p: p in s),
    "indent": lambda n, s: indent(n, to_string(s)),
    "go_regex": go_regex,
}
