"""``osc-build plugins``: installed builders, data sources, provisioners and post-processors."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plugins", help="list installed components and plugins",
        description="List installed builders, data sources, provisioners, post-processors and "
                    "cross-cutting plugins, with their distribution and version. Each one is "
                    "imported to check that it works.")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


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
