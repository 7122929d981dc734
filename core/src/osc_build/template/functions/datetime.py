"""Date and time functions."""

from __future__ import annotations

import re
from datetime import timedelta

from ..legacy import INIT_TIME
from ..timefmt import formatdate, go_layout, parse_timestamp, rfc3339, timestamp
from ..values import to_string

_DURATION = re.compile(r"(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def go_duration(text: str) -> float:
    """Seconds in a Go duration such as ``1h30m`` or ``10s``."""
    text = text.strip()
    if text in ("0", ""):
        return 0.0
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    matches = list(_DURATION.finditer(body))
    if not matches or "".join(m.group(0) for m in matches) != body:
        raise ValueError(f'invalid duration "{text}": expected a Go duration like "1m30s"')
    return sign * sum(float(m.group(1)) * _UNITS[m.group(2)] for m in matches)


def timeadd(text: object, duration: object) -> str:
    moment = parse_timestamp(to_string(text))
    return rfc3339(moment + timedelta(seconds=go_duration(to_string(duration))))


def legacy_isotime(*layout: object) -> str:
    """The run's start time (as ``{{isotime}}``) in a Go layout such as ``2006-01-02``."""
    if not layout:
        return rfc3339(INIT_TIME)
    return go_layout(INIT_TIME, to_string(layout[0]))


def legacy_strftime(spec: object) -> str:
    """The run's start time (as ``{{strftime}}``) with C strftime directives."""
    return INIT_TIME.strftime(to_string(spec))


FUNCTIONS = {
    "timestamp": timestamp,
    "legacy_isotime": legacy_isotime,
    "legacy_strftime": legacy_strftime,
    "formatdate": lambda spec, text: formatdate(to_string(spec), to_string(text)),
    "timeadd": timeadd,
}
