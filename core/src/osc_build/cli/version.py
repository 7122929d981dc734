"""``osc-build version``."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("version", help="print the version of osc-build")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from importlib.metadata import version

    print(f"osc-build {version('osc-build-core')}")
    return 0
