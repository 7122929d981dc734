"""stevedore's managers, fed with entry points the caller read for the current ``sys.path``.

stevedore keeps the entry points of a group in a class-level dict keyed by the
group only, filled from its disk cache, which stores no distribution and folds
two distributions declaring the same ``name = value`` into one. After
``sys.path`` changed in a long-lived process (a test prepending a plugin
directory) it kept answering "no driver found". These managers take their
entry points from the caller instead (``registry``: keyed by ``sys.path``,
with distributions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib.metadata import EntryPoint

from stevedore import DriverManager, ExtensionManager


class Driver(DriverManager):
    """The one component a build selected by name; imports no other entry point."""

    def __init__(self, entry_points: Iterable[EntryPoint], namespace: str, name: str) -> None:
        self._given = list(entry_points)
        super().__init__(namespace, name, on_missing_entrypoints_callback=None)

    def list_entry_points(self) -> list[EntryPoint]:
        return self._given


class Extensions(ExtensionManager):
    """Every component of ``entry_points``, imported; failures go to ``on_failure``."""

    def __init__(self, entry_points: Iterable[EntryPoint], namespace: str,
                 on_failure: Callable[[EntryPoint, Exception], None]) -> None:
        self._given = list(entry_points)
        super().__init__(namespace, on_load_failure_callback=lambda _, ep, err: on_failure(ep, err))

    def list_entry_points(self) -> list[EntryPoint]:
        return self._given
