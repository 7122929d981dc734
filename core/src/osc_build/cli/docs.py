"""``osc-build docs``: write (or check) the reference pages generated from option schemas."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "docs", help="generate the options reference of installed components",
        description="Write docs/reference/<kind>-<name>.md for every installed component, "
                    "from its option schema.")
    parser.add_argument("--output", type=Path, default=Path("docs"),
                        help="the docs directory (default: ./docs)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a page is missing or stale")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from osc_build import docs

    if args.check:
        stale = docs.stale(args.output)
        for path in stale:
            print(f"stale: {path}; run 'osc-build docs' to regenerate it")
        return 1 if stale else 0
    for path, text in docs.generate(args.output).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0
