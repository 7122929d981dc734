"""Named components from entry points: builders, data sources, provisioners, post-processors.

Listing reads entry-point metadata only; loading imports exactly the selected
component (stevedore's DriverManager semantics, without its cache), so a broken
or slow plugin never costs anything to a build that does not use it.
"""

from __future__ import annotations

import difflib
import logging
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


def _entry_points(kind: Kind) -> list[EntryPoint]:
    return list(entry_points(group=kind.group))


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
    matches = [c for c in installed(kind) if c.name == name]
    if not matches:
        raise PluginError(_not_found_message(kind, name))
    if len(matches) > 1:
        owners = ", ".join(f"{c.distribution} {c.version}" for c in matches)
        raise PluginError(
            f"{kind.label} {name!r} is provided by more than one package: {owners}; "
            "uninstall all but one"
        )
    return matches[0]


def load(kind: Kind, name: str) -> type:
    """Import and return the class of the component called ``name`` (and nothing else).

    The entry point is loaded directly: stevedore's DriverManager does the same,
    but its entry-point cache answered "no driver found" for installed plugins
    once ``sys.path`` had changed in a long-lived process.
    """
    component = find(kind, name)
    (ep,) = [ep for ep in _entry_points(kind) if ep.name == name]
    try:
        return ep.load()
    except Exception as err:  # any import failure of a third-party module
        raise PluginError(
            f"{component} failed to import: {type(err).__name__}: {err}; "
            f"reinstall or upgrade {component.distribution}"
        ) from err


def _not_found_message(kind: Kind, name: str) -> str:
    available = names(kind)
    distribution = plugin_index()["components"].get(kind.label, {}).get(name)
    if distribution:
        return (f"{kind.label} {name!r} is not installed; install it with: "
                f"pip install {distribution}")
    message = f"unknown {kind.label} {name!r}; installed: {', '.join(available) or 'none'}"
    hint = difflib.get_close_matches(name, available, n=1)
    if hint:
        message += f" (did you mean {hint[0]!r}?)"
    return message
