"""Volumes and snapshots as sparse raw files in the data directory."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from osc_build_sim.backend import BackendError

log = logging.getLogger(__name__)

RESOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def checked_id(resource_id: str) -> str:
    """Resource ids become file names: refuse anything that could leave the directory."""
    if not RESOURCE_ID.match(resource_id):
        raise BackendError(f"invalid resource id {resource_id!r}: expected letters, digits, "
                           "'-', '_' or '.'")
    return resource_id


class DiskStore:
    def __init__(self, root: Path):
        self.volumes = root / "volumes"
        self.snapshots = root / "snapshots"
        self.volumes.mkdir(parents=True, exist_ok=True)
        self.snapshots.mkdir(parents=True, exist_ok=True)

    def volume(self, volume_id: str) -> Path:
        return self.volumes / f"{checked_id(volume_id)}.raw"

    def snapshot(self, snapshot_id: str) -> Path:
        return self.snapshots / f"{checked_id(snapshot_id)}.raw"

    def create_volume(self, volume_id: str, size_gib: int, snapshot_id: str | None) -> Path:
        path = self.volume(volume_id)
        size = size_gib << 30
        if snapshot_id:
            source = self.snapshot(snapshot_id)
            if not source.exists():
                raise BackendError(f"snapshot {snapshot_id} has no data on this machine; "
                                   "create the volume without it or from another snapshot")
            copy_sparse(source, path)
            if size > path.stat().st_size:
                os.truncate(path, size)
        else:
            with open(path, "wb") as handle:
                handle.truncate(size)
        return path

    def create_snapshot(self, snapshot_id: str, volume_id: str,
                        progress: Callable[[int], None]) -> Path:
        source = self.volume(volume_id)
        if not source.exists():
            raise BackendError(f"volume {volume_id} has no data on this machine")
        path = self.snapshot(snapshot_id)
        copy_sparse(source, path, progress)
        return path

    def delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)


def copy_sparse(source: Path, dest: Path, progress: Callable[[int], None] | None = None) -> None:
    """Copy keeping holes (and sharing blocks where the filesystem can), reporting 0..100."""
    staging = dest.with_name(f".{dest.name}.partial")
    total = max(source.stat().st_size, 1)
    started = time.monotonic()
    with subprocess.Popen(["cp", "--sparse=always", "--reflink=auto", str(source),
                           str(staging)], stderr=subprocess.PIPE, text=True) as copy:
        last = -1
        while copy.poll() is None:
            if progress is not None:
                try:
                    done = min(99, staging.stat().st_size * 100 // total)
                except OSError:
                    done = 0
                if done != last:
                    progress(done)
                    last = done
            with contextlib.suppress(subprocess.TimeoutExpired):
                copy.wait(0.05)
        error = copy.stderr.read()
    if copy.returncode != 0:
        staging.unlink(missing_ok=True)
        raise BackendError(f"copying {source.name} failed: {error.strip()}")
    staging.rename(dest)
    log.debug("copied %s in %.2f s", source.name, time.monotonic() - started)
    if progress is not None:
        progress(100)
