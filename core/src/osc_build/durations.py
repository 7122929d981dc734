"""Duration options (``"5m"``, ``90``) as seconds: shared by communicators and provisioners."""

from __future__ import annotations

from typing import Any


def seconds(value: Any) -> float:
    """Seconds in a duration option: a Go duration string, or a number of seconds."""
    from osc_build.template.functions.datetime import go_duration  # the template language: heavy

    if value is None or value == "":
        return 0.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return go_duration(str(value))
