"""``--local``: builds aimed at a local cloud (a simulator) that a plugin provides.

The core knows no cloud: a plugin answers the ``osc_build_local_cloud`` hook with
a :class:`LocalCloud`. While options are loaded for it, :func:`for_local_cloud` is
true, so that checks that hold only for the real cloud (its public Regions) stand
aside: the local cloud says itself what it serves.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from osc_build.errors import UsageError

if TYPE_CHECKING:
    from osc_build.runner import BuildPlan

_for_local = ContextVar("osc_build_for_local_cloud", default=False)


class LocalCloud(Protocol):
    """What ``--local`` needs from the plugin that provides a local cloud."""

    def point(self, plans: list[BuildPlan]) -> list[BuildPlan]:
        """The same builds aimed at the local cloud (started if needed).

        Raise :class:`osc_build.errors.ConfigError` for anything it cannot serve
        (a Region it lacks), before any request.
        """

    def datasource_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """A data source's options aimed at the local cloud."""


def for_local_cloud() -> bool:
    """Whether options are being loaded for a build aimed at a local cloud."""
    return _for_local.get()


@contextmanager
def loading_for_local_cloud() -> Iterator[None]:
    token = _for_local.set(True)
    try:
        yield
    finally:
        _for_local.reset(token)


def local_cloud() -> LocalCloud:
    """The local cloud an installed plugin provides, or an error saying there is none."""
    from osc_build.plugins import make_manager

    cloud = make_manager().hook.osc_build_local_cloud()
    if cloud is None:
        raise UsageError("--local: no installed plugin provides a local cloud (hook "
                         "osc_build_local_cloud); install the plugin of your cloud's "
                         "simulator, then see `osc-build plugins`")
    return cloud
