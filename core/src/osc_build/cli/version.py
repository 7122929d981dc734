"""``osc-build version`` (``-machine-readable``: Packer's version records)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

DISTRIBUTION = "osc-build-core"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("version", help="print the version of osc-build")
    parser.add_argument("-machine-readable", "--machine-readable", action="store_true",
                        help="print Packer's version, version-prelease and version-commit "
                        "records")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "machine_readable", False):
        print(f"osc-build {installed_version(DISTRIBUTION)}")
        return 0
    from importlib.metadata import distribution

    from osc_build.ui import MachineUi

    dist = distribution(DISTRIBUTION)
    text = f"osc-build {dist.version}"

    release, prerelease = split_version(dist.version)
    out = MachineUi(True)
    out.machine("", "version", release)
    out.machine("", "version-prelease", prerelease)  # sic: Packer's spelling
    out.machine("", "version-commit", source_commit(dist))
    out.say(text)
    return 0


def installed_version(name: str) -> str:
    """``importlib.metadata.version(name)``, without importing it (and email, zipfile, csv...)
    when the first distribution found on ``sys.path`` is a plain ``.dist-info`` directory."""
    try:
        metadata = _first_dist_info(name)
        if metadata is not None:
            with open(metadata, encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        break
                    key, sep, value = line.partition(":")
                    if sep and key.lower() == "version" and value.strip():
                        return value.strip()
    except (OSError, UnicodeDecodeError):
        pass
    from importlib.metadata import version

    return version(name)


def _first_dist_info(name: str) -> str | None:
    """The METADATA of the distribution importlib.metadata would find first, when it is a
    ``.dist-info`` directory; None when the lookup is anything else (egg, zip, other finder)."""
    import os
    from importlib.machinery import PathFinder

    if any(finder is not PathFinder and hasattr(finder, "find_distributions")
           for finder in sys.meta_path):
        return None
    wanted = re.sub(r"[-_.]+", "_", name).lower()
    for entry in sys.path:
        directory = entry or "."
        try:
            children = os.listdir(directory)
        except OSError:
            if os.path.exists(directory):
                return None  # a zip or other file: importlib.metadata's business
            continue
        for child in children:
            low = child.lower()
            stem, _, suffix = low.rpartition(".")
            if suffix not in ("dist-info", "egg-info", "egg"):
                continue
            if re.sub(r"[-_.]+", "_", stem.partition("-")[0]) != wanted:
                continue
            metadata = os.path.join(directory, child, "METADATA")
            return metadata if suffix == "dist-info" and os.path.isfile(metadata) else None
    return None


def split_version(version: str) -> tuple[str, str]:
    """``1.2.0rc1`` -> (``1.2.0``, ``rc1``): Packer prints the pre-release apart."""
    match = re.match(r"(\d+(?:\.\d+)*)[-._+]?(.*)", version)
    if match is None:
        return version, ""
    return match.group(1), match.group(2)


def source_commit(dist) -> str:
    """The commit installed from (pip's direct_url.json), or of the source checkout; or ''."""
    try:
        direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct_url = {}
    commit = direct_url.get("vcs_info", {}).get("commit_id", "")
    if commit:
        return commit
    for parent in Path(__file__).resolve().parents:
        if (parent / ".git").exists():
            return _git_head(parent / ".git")
    return ""


def _git_head(git: Path) -> str:
    """HEAD of a git directory, read from its files (no git process: version must be quick)."""
    try:
        if git.is_file():  # a worktree: "gitdir: PATH"
            git = (git.parent / git.read_text().split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text().strip()).resolve()
        for base in (git, common):
            if (base / ref).is_file():
                return (base / ref).read_text().strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                if line.endswith(" " + ref):
                    return line.split()[0]
    except OSError:
        pass
    return ""
