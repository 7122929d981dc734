"""Lazily evaluated names (locals, data sources): evaluated on first use, cycles detected.

Evaluating on first reference gives the DAG order Packer uses without building the
graph explicitly: a local that uses ``data.x.y`` makes ``data.x.y`` run first.
"""

from __future__ import annotations

from collections.abc import Callable

from osc_build.errors import TemplateError

_PENDING = object()


class LazyScope:
    """A mapping whose values are computed once by their thunk, on demand."""

    def __init__(self, kind: str, thunks: dict[str, Callable[[], object]]) -> None:
        self.kind = kind
        self.thunks = thunks
        self.values: dict[str, object] = {}
        self.order: list[str] = []

    def __contains__(self, name: str) -> bool:
        return name in self.thunks

    def keys(self) -> list[str]:
        return list(self.thunks)

    def get(self, name: str, location: tuple = (None, None, None)) -> object:
        if name in self.values:
            value = self.values[name]
            if value is _PENDING:
                file, line, column = location
                raise TemplateError(f"Cycle in {self.kind} references: {self.kind} "
                                    f'"{name}" depends on itself', file=file, line=line,
                                    column=column)
            return value
        self.values[name] = _PENDING
        try:
            value = self.thunks[name]()
        except BaseException:
            del self.values[name]
            raise
        self.values[name] = value
        self.order.append(name)
        return value

    def evaluate_all(self) -> dict[str, object]:
        for name in self.thunks:
            self.get(name)
        return {name: self.values[name] for name in self.thunks}
