"""``osc-build init TEMPLATE|DIR``: install what the template's ``required_plugins`` names."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init", help="install the plugins a template requires (Packer's init)",
        description="Read the required_plugins of a template file or directory and install "
                    "the osc-build distributions that provide them, with this environment's "
                    "installer (pip, or uv).")
    parser.add_argument("template", help="a .pkr.hcl/.pkr.json file or a directory")
    parser.add_argument("-upgrade", "--upgrade", action="store_true",
                        help="accepted for Packer compatibility (installs what is missing)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from osc_build import plugin_install
    from osc_build.template.requirements import read_required_plugins

    plugin_install.note_plugin_path()
    requirements = read_required_plugins(Path(args.template))
    if not requirements:
        print("No plugins requirement found, make sure you reference a Packer config "
              "containing a packer.required_plugins block.")
        return 0
    todo = plugin_install.plan(requirements)
    for line in todo.satisfied:
        print(f"{line}: already installed")
    if todo.missing:
        plugin_install.install(todo.missing)
        print(f"Installed {', '.join(todo.missing)}")
    return 0
