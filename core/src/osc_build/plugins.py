"""The pluggy plugin manager of one build.

Cross-cutting plugins are modules in the ``osc_build`` entry-point group; they
are imported once per process, tolerantly: a plugin that fails to import is
reported with its distribution and error, and the others still load. Each
build gets a fresh manager holding those modules plus its own builder, so that
parallel builds never answer each other's ``firstresult`` hooks.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType

import pluggy

from osc_build import hookspecs
from osc_build.errors import OscBuildError, PluginError

log = logging.getLogger(__name__)

GROUP = "osc_build"
DISABLE_VARIABLE = "OSC_BUILD_DISABLED_PLUGINS"


@dataclass(frozen=True)
class LoadedPlugin:
    name: str
    distribution: str
    version: str
    module: ModuleType


@dataclass(frozen=True)
class BrokenPlugin:
    name: str
    distribution: str
    version: str
    error: str

    def __str__(self) -> str:
        return (f"plugin {self.name!r} from {self.distribution} {self.version} failed to "
                f"import: {self.error}; it is disabled (fix or uninstall {self.distribution})")


@dataclass(frozen=True)
class PluginSet:
    loaded: tuple[LoadedPlugin, ...]
    broken: tuple[BrokenPlugin, ...]


@functools.cache
def discover() -> PluginSet:
    """Import every ``osc_build`` plugin module once; report the broken ones."""
    disabled = {n.strip() for n in os.environ.get(DISABLE_VARIABLE, "").split(",") if n.strip()}
    loaded, broken = [], []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        dist_name = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        if ep.name in disabled or dist_name in disabled:
            log.debug("plugin %r disabled by %s", ep.name, DISABLE_VARIABLE)
            continue
        try:
            module = ep.load()
        except Exception as err:
            plugin = BrokenPlugin(ep.name, dist_name, version, f"{type(err).__name__}: {err}")
            log.warning("%s", plugin)
            broken.append(plugin)
            continue
        loaded.append(LoadedPlugin(ep.name, dist_name, version, module))
    return PluginSet(tuple(loaded), tuple(broken))


def make_manager(*extra: object) -> pluggy.PluginManager:
    """A fresh manager with the hook specs, the discovered plugins and ``extra`` objects."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs.BuildSpecs)
    for plugin in discover().loaded:
        _register(pm, plugin.module, f"{plugin.name} ({plugin.distribution})")
    for obj in extra:
        _register(pm, obj, None)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as err:
        raise PluginError(f"{err}; check the hook name's spelling (hooks start with "
                          "'osc_build_')") from err
    if log.isEnabledFor(logging.DEBUG):
        pm.trace.root.setwriter(log.debug)
        pm.enable_tracing()
    return pm


def _register(pm: pluggy.PluginManager, obj: object, name: str | None) -> None:
    try:
        pm.register(obj, name=name)
    except pluggy.PluginValidationError as err:
        raise PluginError(f"plugin {name or obj!r} does not match osc-build's hooks: {err}") \
            from err


def is_handled(err: BaseException) -> bool:
    """A user error (one line, exit 1, no traceback): OscBuildError, or a plugin's declared one."""
    if isinstance(err, OscBuildError):
        return True  # without importing the plugins: most errors are ours
    return isinstance(err, _declared_errors())


@functools.cache
def _declared_errors() -> tuple[type[BaseException], ...]:
    declared = make_manager().hook.osc_build_handled_errors()
    return tuple(cls for classes in declared for cls in classes)
