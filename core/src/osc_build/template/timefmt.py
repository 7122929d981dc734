"""Date formatting: HCL ``formatdate`` tokens and Go reference-time layouts (``isotime``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_FORMATDATE_TOKEN = re.compile(
    r"'(?:[^']|'')*'|YYYY|YY|MMMM|MMM|MM|M|DD|D|EEEE|EEE|hh|h|HH|H|AA|aa|mm|m|ss|s|"
    r"ZZZZZ|ZZZZ|ZZZ|Z|[A-Za-z]+|[^A-Za-z']+")


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp (``2026-07-24T09:33:24Z``), as formatdate accepts."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f'not a valid RFC3339 timestamp: "{text}"') from None
    if "T" not in text or value.tzinfo is None:
        raise ValueError(f'not a valid RFC3339 timestamp: "{text}" (needs a time and a zone)')
    return value


def rfc3339(moment: datetime) -> str:
    text = moment.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


def timestamp() -> str:
    return rfc3339(datetime.now(UTC))


def _offset(moment: datetime, colon: bool) -> str:
    delta = moment.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


def formatdate(spec: str, text: str) -> str:
    """cty ``formatdate``: ``hh`` is 24-hour and ``HH`` 12-hour, ``'...'`` is literal."""
    moment = parse_timestamp(text)
    out = []
    for token in _FORMATDATE_TOKEN.findall(spec):
        out.append(_formatdate_token(token, moment))
    return "".join(out)


def _formatdate_token(token: str, moment: datetime) -> str:
    hour12 = moment.hour % 12 or 12
    table = {
        "YYYY": f"{moment.year:04d}", "YY": f"{moment.year % 100:02d}",
        "MMMM": moment.strftime("%B"), "MMM": moment.strftime("%b"),
        "MM": f"{moment.month:02d}", "M": str(moment.month),
        "DD": f"{moment.day:02d}", "D": str(moment.day),
        "EEEE": moment.strftime("%A"), "EEE": moment.strftime("%a"),
        "hh": f"{moment.hour:02d}", "h": str(moment.hour),
        "HH": f"{hour12:02d}", "H": str(hour12),
        "AA": "PM" if moment.hour >= 12 else "AM", "aa": "pm" if moment.hour >= 12 else "am",
        "mm": f"{moment.minute:02d}", "m": str(moment.minute),
        "ss": f"{moment.second:02d}", "s": str(moment.second),
        "ZZZZZ": _offset(moment, True), "ZZZZ": _offset(moment, False),
        "ZZZ": moment.tzname() or "UTC",
        "Z": "Z" if not moment.utcoffset() else _offset(moment, True),
    }
    if token in table:
        return table[token]
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    if token[0].isalpha():
        raise ValueError(f'invalid date format verb "{token}": unrecognized')
    return token


_GO_TOKENS = [
    ("January", "%B"), ("Jan", "%b"), ("Monday", "%A"), ("Mon", "%a"), ("MST", "TZ"),
    ("2006", "%Y"), ("Z07:00", "Z:"), ("-07:00", "-:"), ("Z0700", "Z"), ("-0700", "-"),
    ("-07", "-h"), ("06", "%y"), ("01", "%m"), ("02", "%d"), ("_2", "_d"), ("15", "%H"),
    ("03", "%I"), ("04", "%M"), ("05", "%S"), ("PM", "%p"), ("pm", "pm"), ("1", "M"),
    ("2", "D"), ("3", "h"), ("4", "m"), ("5", "s"), (".000000000", "ns"), (".000000", "us"),
    (".000", "ms"), (".999999999", "ns"), (".999", "ms"),
]


def go_layout(moment: datetime, layout: str) -> str:
    """Format ``moment`` with a Go reference-time layout (``2006-01-02T15:04:05Z07:00``)."""
    out = []
    pos = 0
    while pos < len(layout):
        for token, code in _GO_TOKENS:
            if layout.startswith(token, pos):
                out.append(_go_token(moment, code))
                pos += len(token)
                break
        else:
            out.append(layout[pos])
            pos += 1
    return "".join(out)


def _go_token(moment: datetime, code: str) -> str:
    utc = not moment.utcoffset()
    simple = {"M": str(moment.month), "D": str(moment.day), "h": str(moment.hour % 12 or 12),
              "m": str(moment.minute), "s": str(moment.second),
              "_d": f"{moment.day:>2}", "pm": "pm" if moment.hour >= 12 else "am",
              "TZ": moment.tzname() or "UTC",
              "ms": f".{moment.microsecond // 1000:03d}", "us": f".{moment.microsecond:06d}",
              "ns": f".{moment.microsecond * 1000:09d}",
              "Z:": "Z" if utc else _offset(moment, True),
              "Z": "Z" if utc else _offset(moment, False),
              "-:": _offset(moment, True), "-": _offset(moment, False),
              "-h": _offset(moment, False)[:3]}
    if code in simple:
        return simple[code]
    return moment.strftime(code)
