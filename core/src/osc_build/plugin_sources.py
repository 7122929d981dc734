"""Packer plugin sources (``github.com/outscale/outscale``) and the distributions behind them.

Packer installs a plugin binary per source; osc-build installs Python distributions.
Two places say which distribution provides which source: the plugin index shipped
with osc-build (``plugin_index.json``: what can be installed, like Packer's plugin
registry) and installed distributions themselves, through the entry-point group
``osc_build.plugin_sources`` (name: the source; value: ``module:ATTRIBUTE`` holding the
Packer plugin version whose behaviour it matches).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import PackageNotFoundError, distribution, entry_points

GROUP = "osc_build.plugin_sources"


@dataclass(frozen=True)
class ProvidedSource:
    source: str
    version: str  # the Packer plugin version it matches
    distribution: str


@functools.cache
def plugin_index() -> dict:
    """The known plugin distributions (``plugin_index.json``): what to install for what."""
    return json.loads(resources.files("osc_build").joinpath("plugin_index.json").read_text())


def installed_sources() -> dict[str, ProvidedSource]:
    """Sources that installed distributions declare they provide."""
    out = {}
    for ep in entry_points(group=GROUP):
        try:
            version = str(ep.load())
        except Exception:  # a broken plugin: `osc-build plugins` reports it
            continue
        out[ep.name] = ProvidedSource(ep.name, version, ep.dist.name if ep.dist else "?")
    return out


def distributions_for(source: str) -> list[str]:
    """The distributions the index lists for ``source`` ([] when it knows none)."""
    return list(plugin_index()["sources"].get(source, {}).get("distributions", []))


def installed_version(name: str) -> str:
    """The installed version of distribution ``name``, or "" when it is not installed."""
    try:
        return distribution(name).version
    except PackageNotFoundError:
        return ""
