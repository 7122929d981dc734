"""``osc-build plugins``: installed builders, data sources, provisioners and post-processors."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plugins", help="list, install and check plugins",
        description="Without a sub-command: list installed builders, data sources, "
                    "provisioners, post-processors and cross-cutting plugins, with their "
                    "distribution and version (each is imported to check that it works).")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="plugins_command", metavar="SUB-COMMAND")
    installed = actions.add_parser(
        "installed", help="the Packer plugin sources installed, with their distributions")
    installed.set_defaults(func=run_installed)
    install = actions.add_parser(
        "install", help="install the distributions providing a Packer plugin source",
        description="Install the osc-build distributions that provide SOURCE, e.g. "
                    "github.com/outscale/outscale, with this environment's installer.")
    install.add_argument("source")
    install.add_argument("version", nargs="?", default="",
                         help="a Packer plugin version or constraint it must match")
    install.set_defaults(func=run_install)
    required = actions.add_parser(
        "required", help="the plugins a template requires, and whether they are installed")
    required.add_argument("template")
    required.set_defaults(func=run_required)


def run_installed(args: argparse.Namespace) -> int:
    from osc_build.plugin_install import note_plugin_path
    from osc_build.plugin_sources import (
        distributions_for,
        installed_sources,
        installed_version,
        plugin_index,
    )

    note_plugin_path()
    shown = set()
    for source, info in sorted(plugin_index()["sources"].items()):
        present = [d for d in distributions_for(source) if installed_version(d)]
        if present:
            listed = ", ".join(f"{d} {installed_version(d)}" for d in present)
            print(f"{source} {info['compatible_version']}: {listed}")
            shown.add(source)
    for source, provided in sorted(installed_sources().items()):
        if source in shown:  # listed in the index and declared by its distribution
            continue
        print(f"{source} {provided.version}: {provided.distribution} "
              f"{installed_version(provided.distribution)}")
    return 0


def run_install(args: argparse.Namespace) -> int:
    from osc_build import plugin_install
    from osc_build.template.requirements import Requirement

    plugin_install.note_plugin_path()
    version = args.version.lstrip("v")
    constraint = f"= {version}" if version and version[0].isdigit() else version
    todo = plugin_install.plan([Requirement(args.source.rsplit("/", 1)[-1], args.source,
                                            constraint, "plugins install")])
    if todo.missing:
        plugin_install.install(todo.missing)
        print(f"Installed {', '.join(todo.missing)}")
    else:
        print(f"{args.source}: already installed ({', '.join(todo.satisfied)})")
    return 0


def run_required(args: argparse.Namespace) -> int:
    from pathlib import Path

    from osc_build.plugin_install import note_plugin_path
    from osc_build.plugin_sources import distributions_for, installed_sources, installed_version
    from osc_build.template.requirements import read_required_plugins

    note_plugin_path()
    provided = installed_sources()
    for req in read_required_plugins(Path(args.template)):
        owners = ([provided[req.source].distribution] if req.source in provided
                  else distributions_for(req.source))
        missing = [d for d in owners if not installed_version(d)]
        state = ("unknown: no osc-build distribution provides it" if not owners else
                 f"missing: {', '.join(missing)}" if missing else "installed")
        constraint = f" {req.version}" if req.version else ""
        print(f"{req.name}: {req.source}{constraint} -> {', '.join(owners) or '?'} ({state})")
    return 0


def run(args: argparse.Namespace) -> int:
    from osc_build import registry
    from osc_build.plugins import discover

    rows = []
    for kind in registry.KINDS:
        for item in registry.load_all(kind):
            component = item.component
            rows.append({"kind": kind.label, "name": component.name,
                         "distribution": component.distribution,
                         "version": component.version, "status": item.status})
    plugins = discover()
    for plugin in plugins.loaded:
        rows.append({"kind": "plugin", "name": plugin.name, "distribution": plugin.distribution,
                     "version": plugin.version, "status": "ok"})
    for broken in plugins.broken:
        rows.append({"kind": "plugin", "name": broken.name, "distribution": broken.distribution,
                     "version": broken.version, "status": f"broken: {broken.error}"})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No osc-build components are installed. Install a builder, e.g.: "
              "pip install osc-build-bsu")
        return 0
    widths = [max(len(r[k]) for r in rows) for k in ("kind", "name", "distribution", "version")]
    for row in rows:
        cells = [row[k].ljust(w) for k, w in
                 zip(("kind", "name", "distribution", "version"), widths, strict=True)]
        print("  ".join(cells) + ("" if row["status"] == "ok" else f"  {row['status']}"))
    return 0
