"""``osc-build init`` and ``plugins install``: from Packer plugin sources to installed
distributions, with the installer of the environment osc-build runs in.

The version constraint of a ``required_plugins`` entry names the Go plugin's
versions; it is checked against the version the distributions match (the index's
``compatible_version``), as ``validate`` does.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from osc_build.errors import PluginError, UsageError
from osc_build.plugin_sources import (
    distributions_for,
    installed_sources,
    installed_version,
    plugin_index,
)
from osc_build.template.requirements import Requirement, satisfies

PLUGIN_PATH_NOTE = (
    "PACKER_PLUGIN_PATH is set, but osc-build does not load plugin binaries: its plugins are "
    "Python distributions installed in the same environment as osc-build and found through "
    "their entry points (see `osc-build plugins installed`); the variable is ignored")


@dataclass
class InstallPlan:
    missing: list[str] = field(default_factory=list)  # distributions to install, in order
    satisfied: list[str] = field(default_factory=list)  # "source (distribution ...)" lines


def plan(requirements: Sequence[Requirement]) -> InstallPlan:
    """What to install for ``requirements``; an error names each one that cannot be met."""
    provided = installed_sources()
    result, problems = InstallPlan(), []
    for req in requirements:
        if req.source in provided:
            found = provided[req.source]
            version, owners = found.version, [found.distribution]
        elif distributions_for(req.source):
            version = plugin_index()["sources"][req.source]["compatible_version"]
            owners = distributions_for(req.source)
        else:
            problems.append(f"{req.where}: plugin {req.name!r} ({req.source}): no known "
                            "osc-build distribution provides it; install one that declares "
                            f"it, or remove the requirement")
            continue
        if req.version and not satisfies(version, req.version):
            problems.append(f"{req.where}: plugin {req.name!r} ({req.source}) version "
                            f"{req.version!r}: osc-build's distributions match {version}")
            continue
        todo = [d for d in owners if not installed_version(d) and d not in result.missing]
        result.missing.extend(todo)
        if not todo:
            result.satisfied.append(f"{req.source} {version} ({', '.join(owners)})")
    if problems:
        raise PluginError("\n".join(problems))
    return result


def installer_command(distributions: Sequence[str]) -> list[str]:
    """This environment's installer: pip when this Python has it, else uv aimed at it."""
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip", "install", *distributions]
    uv = shutil.which("uv")
    if uv:
        return [uv, "pip", "install", "--python", sys.executable, *distributions]
    raise UsageError("cannot install plugins: this Python has no pip and uv is not on PATH; "
                     f"install them by hand: pip install {' '.join(distributions)}")


def install(distributions: Sequence[str]) -> None:
    """Run the installer, saying what it runs; its output goes to the terminal."""
    command = installer_command(distributions)
    print(f"==> Installing {', '.join(distributions)}: {' '.join(command)}", flush=True)
    status = subprocess.run(command, check=False).returncode
    if status != 0:
        raise PluginError(f"installing {', '.join(distributions)} failed (exit {status}); "
                          "see the installer's output above")


def note_plugin_path() -> None:
    if os.environ.get("PACKER_PLUGIN_PATH"):
        print(f"Note: {PLUGIN_PATH_NOTE}", file=sys.stderr)
