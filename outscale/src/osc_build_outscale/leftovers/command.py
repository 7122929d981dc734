"""``osc-build leftovers``: list, then delete, what killed or crashed builds left behind.

A command of the ``osc_build.commands`` entry-point group: nothing heavy at
import time, since every ``osc-build`` invocation builds its parser from it.
"""

from __future__ import annotations

import argparse
import re
import sys

DESCRIPTION = """\
List every temporary resource an osc-build run created and did not delete (a build
killed with SIGKILL, a CI runner that vanished), in every Region the credentials
reach, grouped by run; --delete deletes them. Only resources tagged
osc-build:temporary=true by a build are considered, never names alone; an OMI a
build kept as its artifact is not a leftover. A run still in progress (its process
alive on this machine, or, on another machine, a heartbeat -- refreshed every minute
by a running build -- younger than --heartbeat-timeout) is listed but never deleted
unless named with --run-id."""

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "leftovers", help="find and delete what dead builds left in the cloud",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--local", action="store_true",
                        help="search the local OUTSCALE simulator (each of its Regions)")
    parser.add_argument("--region", action="append", default=[], metavar="REGION",
                        help="search only this Region (repeatable; default: every Region)")
    parser.add_argument("--older-than", type=duration, metavar="DURATION",
                        help="only runs started at least this long ago: 30m, 2h, 1d...")
    parser.add_argument("--run-id", action="append", default=[], metavar="ID",
                        help="only this run (repeatable); a run in progress too")
    parser.add_argument("--heartbeat-timeout", type=duration, default=600.0,
                        metavar="DURATION",
                        help="a run on another machine is in progress while its last "
                             "heartbeat is younger than this (default: 10m)")
    parser.add_argument("--delete", action="store_true", help="delete what is listed")
    parser.add_argument("--yes", action="store_true", help="delete without asking")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(func=run)


def duration(text: str) -> float:
    """``90s``, ``30m``, ``2h``, ``1d``, ``1w`` (or a bare number of seconds) -> seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration; give a number and a unit s, m, h, d or w, like 2h")
    return float(match[1]) * UNITS[match[2] or "s"]


def run(args: argparse.Namespace) -> int:
    from osc_build.errors import UsageError

    if args.delete and not args.yes and not (sys.stdin and sys.stdin.isatty()):
        raise UsageError("--delete asks before deleting, and there is no terminal to ask on; "
                         "add --yes to delete without asking")
    if args.yes and not args.delete:
        raise UsageError("--yes only makes sense with --delete; add --delete, or drop --yes")
    from osc_build_outscale.leftovers import report

    return report.run(args)
