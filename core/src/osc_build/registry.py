"""Named components from entry points: builders, data sources, provisioners, post-processors,
communicators.

Listing reads entry-point metadata only; a build imports exactly the component
it selected (stevedore's ``DriverManager``), so a broken or slow plugin never
costs anything to a build that does not use it; ``plugins`` and ``docs`` import
them all (stevedore's ``ExtensionManager``). Names are checked against the
metadata first, so that a typo, a missing distribution or a name two
distributions declare is one clear error before anything is imported.
"""

from __future__ import annotations

import difflib
import functools
import logging
import sys
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from osc_build.errors import PluginError
from osc_build.plugin_sources import plugin_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    label: str  # "builder"
    group: str  # entry-point group


BUILDER = Kind("builder", "osc_build.builders")
DATASOURCE = Kind("data source", "osc_build.datasources")
PROVISIONER = Kind("provisioner", "osc_build.provisioners")
POST_PROCESSOR = Kind("post-processor", "osc_build.post_processors")
KINDS = (BUILDER, DATASOURCE, PROVISIONER, POST_PROCESSOR)
# Communicators other than ssh and none (built in): a ``communicator = "NAME"`` option
# selects one; they have no template block, so they are not among KINDS.
COMMUNICATOR = Kind("communicator", "osc_build.communicators")

@dataclass(frozen=True)
class Component:
    """An installed component, described without importing it."""

    kind: Kind
    name: str
    value: str  # "module:Class"
    distribution: str
    version: str

    def __str__(self) -> str:
        return f"{self.kind.label} {self.name!r} from {self.distribution} {self.version}"


@dataclass(frozen=True)
class Loaded:
    """A component imported for listing: its class, or the error a build would get."""

    component: Component
    cls: type | None
    error: PluginError | None = None
    conflict: bool = False  # another distribution declares the same name

    @property
    def status(self) -> str:
        if self.conflict:
            return "conflict: provided by more than one package"
        return f"broken: {self.error}" if self.error else "ok"


def group_entry_points(group: str) -> tuple[EntryPoint, ...]:
    """The entry points of ``group`` on the current ``sys.path``, read once per path."""
    return _scan(tuple(sys.path)).get(group, ())


@functools.cache
def _scan(path: tuple[str, ...]) -> dict[str, tuple[EntryPoint, ...]]:
    """Every group at once: one pass over the installed distributions.

    Not stevedore's disk cache: it read the groups in 6-9 ms (medians) against
    8-12 ms here, no difference measurable in a whole command, but it keeps no
    distribution and folds two distributions declaring the same ``name = value``
    into one, hiding the conflict.
    """
    every = entry_points()
    return {group: tuple(every.select(group=group)) for group in every.groups}


def _entry_points(kind: Kind) -> tuple[EntryPoint, ...]:
    return group_entry_points(kind.group)


def _component(kind: Kind, ep: EntryPoint) -> Component:
    dist = ep.dist
    return Component(kind, ep.name, ep.value, dist.name if dist else "?",
                     dist.version if dist else "?")


def installed(kind: Kind) -> list[Component]:
    """Every installed component of ``kind`` (duplicates included), sorted by name."""
    return sorted((_component(kind, ep) for ep in _entry_points(kind)),
                  key=lambda c: (c.name, c.distribution))


def names(kind: Kind) -> list[str]:
    """Installed names of ``kind``, without importing anything."""
    return sorted({ep.name for ep in _entry_points(kind)})


def find(kind: Kind, name: str) -> Component:
    """The one installed component called ``name``, or an error that says what to do."""
    matches = sorted((_component(kind, ep) for ep in _entry_points(kind) if ep.name == name),
                     key=lambda c: c.distribution)
    if not matches:
        raise PluginError(_not_found_message(kind, name))
    if len(matches) > 1:
        raise _conflict_error(matches)
    return matches[0]


def load(kind: Kind, name: str) -> type:
    """Import and return the class of the component called ``name`` (and nothing else)."""
    from osc_build.drivers import Driver

    component = find(kind, name)
    try:
        return Driver(_entry_points(kind), kind.group, name).driver
    except Exception as err:  # any import failure of a third-party module
        raise _import_error(component, err) from err


def load_all(kind: Kind) -> list[Loaded]:
    """Import every installed component of ``kind`` that one distribution alone declares."""
    from osc_build.drivers import Extensions

    components = installed(kind)
    owners = {c.name: [o for o in components if o.name == c.name] for c in components}
    unique = [ep for ep in _entry_points(kind) if len(owners.get(ep.name, ())) == 1]
    failures: dict[str, Exception] = {}
    imported = Extensions(unique, kind.group, lambda ep, err: failures.setdefault(ep.name, err))
    classes = {ext.name: ext.plugin for ext in imported}
    loaded = []
    for component in components:
        if len(owners[component.name]) > 1:
            loaded.append(Loaded(component, None, _conflict_error(owners[component.name]), True))
        elif component.name in failures:
            loaded.append(Loaded(component, None,
                                 _import_error(component, failures[component.name])))
        else:
            loaded.append(Loaded(component, classes[component.name]))
    return loaded


def _conflict_error(matches: list[Component]) -> PluginError:
    owners = ", ".join(f"{c.distribution} {c.version}" for c in matches)
    return PluginError(f"{matches[0].kind.label} {matches[0].name!r} is provided by more than "
                       f"one package: {owners}; uninstall all but one")


def _import_error(component: Component, err: Exception) -> PluginError:
    return PluginError(f"{component} failed to import: {type(err).__name__}: {err}; "
                       f"reinstall or upgrade {component.distribution}")


def load_at(kind: Kind, name: str, *, where: str = "") -> type:
    """:func:`load`, its error prefixed with where the template asks for it."""
    try:
        return load(kind, name)
    except PluginError as err:
        if not where:
            raise
        raise PluginError(f"{where}: {err}") from None


def _not_found_message(kind: Kind, name: str) -> str:
    available = names(kind)
    distribution = plugin_index()["components"].get(kind.label, {}).get(name)
    if distribution:
        return (f"{kind.label} {name!r} is not installed; install it with: "
                f"pip install {distribution}")
    message = f"unknown {kind.label} {name!r}; installed: {', '.join(available) or 'none'}"
    if name in plugin_index()["packer_components"].get(kind.label, ()):
        return (f"unknown {kind.label} {name!r}: Packer's {name} {kind.label} is not "
                f"available in osc-build; installed: {', '.join(available) or 'none'}")
    hint = difflib.get_close_matches(name, available, n=1)
    if hint:
        message += f" (did you mean {hint[0]!r}?)"
    return message
