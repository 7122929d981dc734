"""Where osc-build keeps what is costly to rebuild: a parsed OAPI spec, a built parser."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/osc-build``, else ``~/.cache/osc-build``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "osc-build"


def private_file_ok(path: Path) -> bool:
    """A cache file we may trust: ours, and writable by nobody else."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022
