"""Parse trees of HCL texts already seen, kept on disk by the hash of their text.

``validate`` then ``build`` of one template, or builds rerun unchanged, skip
importing and running the parser: loading a kept tree takes about a millisecond
where parsing costs 50 to 100 ms. A file that is not ours, is damaged, or was
made by another parser version is ignored; the cache only ever saves time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from osc_build.cache import cache_dir, load_pickle, sha256_hex, write_private
from osc_build.template.nodes import Tree

log = logging.getLogger(__name__)

_FORMAT = 1  # bump when nodes.py changes what a tree holds
_KEEP = 256  # texts kept; the oldest half goes when there are more


def cached_parse(text: str, parse: Callable[[str], Tree]) -> Tree:
    """``parse(text)``, or its result kept from an earlier run."""
    directory = cache_dir() / "parsed"
    path = directory / f"{_key(text)}.pickle"
    tree = _load(path)
    if tree is None:
        tree = parse(text)
        _store(tree, path)
    return tree


def _key(text: str) -> str:
    return sha256_hex(f"{_FORMAT}:{_parser_version()}:{text}".encode())


@functools.cache
def _parser_version() -> str:
    """What identifies the parser's output, found without importing it."""
    parts = []
    for package, file in (("hcl2", "hcl2.lark"), ("lark", "__init__.py")):
        spec = importlib.util.find_spec(package)
        origin = Path(spec.origin).with_name(file) if spec and spec.origin else None
        try:
            stat = origin.stat() if origin else None
        except OSError:
            stat = None
        parts.append(f"{package}:{stat.st_size}:{stat.st_mtime_ns}" if stat else package)
    return ":".join(parts)


def _load(path: Path) -> Tree | None:
    tree = load_pickle(path, Tree)
    if tree is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
    return tree


def _store(tree: Tree, path: Path) -> None:
    try:
        write_private(path, pickle.dumps(tree, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(path.parent)
    except (OSError, pickle.PicklingError, RecursionError) as err:
        log.debug("cannot keep the parse tree in %s: %s", path.parent, err)


def _prune(directory: Path) -> None:
    entries = list(os.scandir(directory))
    if len(entries) <= _KEEP:
        return
    entries.sort(key=lambda entry: entry.stat().st_mtime_ns)
    for entry in entries[: len(entries) - _KEEP // 2]:
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
