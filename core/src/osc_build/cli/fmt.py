"""``osc-build fmt [-check] [-diff] [-recursive] PATH...``: canonical HCL layout."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CHECK_FAILED = 3
"""Exit code of ``fmt -check`` when a file needs formatting (Packer's, from terraform)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fmt", help="rewrite HCL templates in the canonical layout",
        description="Rewrite .pkr.hcl and .pkrvars.hcl files in the canonical layout (two-space "
                    "indentation, aligned =). Prints the name of each changed file. "
                    "'-' formats standard input to standard output.")
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    parser.add_argument("-check", "--check", action="store_true",
                        help="change nothing; exit 3 if a file needs formatting")
    parser.add_argument("-diff", "--diff", action="store_true", help="print a unified diff")
    parser.add_argument("-write", "--write", choices=("true", "false"), default="true",
                        help="write the result back to the files (default true)")
    parser.add_argument("-recursive", "--recursive", action="store_true",
                        help="also format files in subdirectories")
    parser.set_defaults(func=run)


def _files(path: Path, recursive: bool) -> list[Path]:
    if not path.is_dir():
        return [path]
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in path.glob(pattern)
                  if p.is_file() and p.name.endswith((".pkr.hcl", ".pkrvars.hcl"))
                  and not p.name.startswith(".") and not p.name.endswith("~")
                  and not p.name.startswith("#"))


def run(args: argparse.Namespace) -> int:
    import difflib

    from osc_build.errors import UsageError
    from osc_build.template.fmt import format_hcl

    write = args.write == "true" and not args.check
    if args.paths == ["-"]:
        sys.stdout.write(format_hcl(sys.stdin.read()))
        return 0
    changed = False
    for raw in args.paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"No file or directory at {raw}")
        for file in _files(path, args.recursive):
            if file.suffix == ".json":
                raise UsageError(f"file {file} is not a HCL file: fmt only formats HCL2")
            text = file.read_text(encoding="utf-8")
            result = format_hcl(text, str(file))
            if result == text:
                continue
            changed = True
            print(file)
            if args.diff:
                sys.stdout.writelines(difflib.unified_diff(
                    text.splitlines(keepends=True), result.splitlines(keepends=True),
                    f"old/{file}", f"new/{file}"))
            if write:
                file.write_text(result, encoding="utf-8")
    return CHECK_FAILED if args.check and changed else 0
