"""Template mistakes, reported where they are written and all at once, in source order."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TypeVar

from osc_build.errors import ConfigError, PluginError

T = TypeVar("T")


def locate(problems: list[str], where: str, positions: Mapping[str, str]) -> list[str]:
    """``where: problem`` lines, or with positions ``file:line:col: label: problem`` sorted."""
    block = positions.get("")
    if not block:
        return [f"{where}: {problem}" for problem in problems]
    label = where.removeprefix(block).removeprefix(": ")
    lines = []
    for problem in problems:
        option = re.split(r"[.\[:]", problem, maxsplit=1)[0]
        at = positions.get(option, block)
        lines.append(f"{at}: {label}: {problem}" if label else f"{at}: {problem}")
    return sorted(lines, key=source_order)


def source_order(line: str) -> tuple:
    """Sort key of an error line by its ``file:line:col`` prefix (lines without one last)."""
    match = re.match(r"(.*?):(\d+):(\d+): ", line)
    if not match:
        return ("\uffff", 0, 0, line)
    return (match.group(1), int(match.group(2)), int(match.group(3)), line)


class Problems:
    """Mistakes gathered across the parts of a template, reported at once in source order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def collect(self, load: Callable[[], T]) -> T:
        try:
            return load()
        except (ConfigError, PluginError) as err:
            self.add(err)
            return None  # type: ignore[return-value]  # raise_any() raises before use

    def add(self, err: Exception) -> None:
        self.lines.extend(line for line in str(err).splitlines() if line not in self.lines)

    def raise_any(self) -> None:
        if self.lines:
            raise ConfigError("\n".join(sorted(self.lines, key=source_order)))
