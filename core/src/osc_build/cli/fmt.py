"""``osc-build fmt [-check] [-diff] [-recursive] PATH...``: canonical HCL layout."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)

CHECK_FAILED = 3
"""Exit code of ``fmt -check`` when a file needs formatting (Packer's, from terraform)."""
_EXTENSIONS = (".pkr.hcl", ".pkrvars.hcl")


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


def _ignored(name: str) -> bool:
    """Editor and hidden files, skipped in directories as Packer does."""
    return name.startswith(".") or name.endswith("~") or (
        name.startswith("#") and name.endswith("#"))


def _files(path: Path, recursive: bool) -> list[Path]:
    """Packer's order: each directory's entries by name, subdirectories where they sort."""
    if not path.is_dir():
        return [path]
    found: list[Path] = []
    for entry in sorted(path.iterdir(), key=lambda entry: entry.name.encode()):
        if _ignored(entry.name):
            continue
        if entry.is_dir():
            if recursive:
                found.extend(_files(entry, recursive))
        elif entry.name.endswith(_EXTENSIONS):
            found.append(entry)
    return found


def _diff(old: str, new: str, name: str) -> str:
    """The unified diff Packer prints: it runs ``diff -u``; difflib only without one."""
    import shutil
    import subprocess
    import tempfile

    labels = [f"--label=old/{name}", f"--label=new/{name}"]
    program = shutil.which("diff")
    if program is not None:
        with tempfile.TemporaryDirectory(prefix="osc-build-fmt-") as tmp:
            Path(tmp, "old").write_bytes(_encode(old))
            Path(tmp, "new").write_bytes(_encode(new))
            result = subprocess.run([program, *labels, "-u", "old", "new"], cwd=tmp,
                                    capture_output=True, check=False)
        if result.returncode in (0, 1):
            return _decode(result.stdout)
        log.debug("diff failed (%s), using difflib: %s", result.returncode, result.stderr)
    import difflib

    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 f"old/{name}", f"new/{name}")
    return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
                   for line in lines)


def _decode(data: bytes) -> str:
    # Bytes are kept as they are (CRLF, invalid UTF-8): fmt changes spaces only.
    return data.decode("utf-8", "surrogateescape")


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def run(args: argparse.Namespace) -> int:
    from osc_build.errors import TemplateError, UsageError
    from osc_build.template.fmt import format_hcl

    write = args.write == "true" and not args.check
    if args.paths == ["-"]:
        sys.stdout.flush()
        sys.stdout.buffer.write(_encode(format_hcl(_decode(sys.stdin.buffer.read()))))
        return 0
    changed = False
    errors: list[TemplateError] = []
    for raw in args.paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"No file or directory at {raw}")
        for file in _files(path, args.recursive):
            if not file.name.endswith(_EXTENSIONS):
                raise UsageError(f"file {file} is not a HCL file: fmt formats .pkr.hcl and "
                                 ".pkrvars.hcl files")
            text = _decode(file.read_bytes())
            try:
                result = format_hcl(text, str(file))
            except TemplateError as err:  # Packer still formats the other files
                errors.append(err)
                continue
            if result == text:
                continue
            changed = True
            print(file)
            if args.diff:
                sys.stdout.write(_diff(text, result, str(file)))
            if write:
                file.write_bytes(_encode(result))
    if errors:
        raise errors[0] if len(errors) == 1 else TemplateError("; ".join(map(str, errors)))
    return CHECK_FAILED if args.check and changed else 0
