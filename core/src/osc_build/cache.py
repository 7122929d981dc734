"""Where osc-build keeps what is costly to rebuild: a parsed OAPI spec, a built parser."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Packer's ``$PACKER_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/osc-build`` or
    ``~/.cache/osc-build``."""
    if os.environ.get("PACKER_CACHE_DIR"):
        return Path(os.environ["PACKER_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "osc-build"


def sha256_hex(data: bytes) -> str:
    """``hashlib.sha256(data).hexdigest()``, with CPython's built-in SHA-256 when there is
    one: importing hashlib loads OpenSSL (``_hashlib``), a few ms of every start-up that
    only needs a cache key."""
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # CPython >= 3.12
        except ImportError:
            from hashlib import sha256
    return sha256(data).hexdigest()


def private_file_ok(path: Path) -> bool:
    """A cache file we may trust: ours, and writable by nobody else."""
    try:
        stat = path.stat()
    except OSError:
        return False
    return stat.st_uid == os.getuid() and not stat.st_mode & 0o022


def load_pickle(path: Path, kind: type) -> Any | None:
    """The ``kind`` pickled at ``path`` if the file is ours and sound, else None (rebuild)."""
    if not private_file_ok(path):
        return None
    try:
        with path.open("rb") as file:
            value = pickle.load(file)
    except Exception as err:  # damaged, or written by other versions: rebuild it
        log.debug("ignoring the cache file %s: %s", path, err)
        return None
    return value if isinstance(value, kind) else None


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` at once (never half a file), readable by this user only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.replace(partial, path)
