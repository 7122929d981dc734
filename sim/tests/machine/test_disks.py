"""Volumes are sparse files; snapshots are fast sparse copies that report progress."""

from __future__ import annotations

import os
import subprocess

import pytest

from osc_build_sim.backend import BackendError
from osc_build_sim.machine.disks import DiskStore


@pytest.fixture
def store(tmp_path) -> DiskStore:
    return DiskStore(tmp_path)


def test_volume_is_sparse_file_of_requested_size(store):
    store.create_volume("vol-a", 10, None)
    stat = store.volume("vol-a").stat()
    assert stat.st_size == 10 << 30
    assert stat.st_blocks * 512 < 1 << 20


def test_snapshot_and_volume_from_it_keep_contents_and_holes(store):
    store.create_volume("vol-a", 1, None)
    with open(store.volume("vol-a"), "r+b") as disk:
        disk.seek(300 << 20)
        disk.write(b"written at 300 MiB")
    reported = []
    store.create_snapshot("snap-a", "vol-a", reported.append)
    assert reported[-1] == 100
    assert reported == sorted(reported)
    store.create_volume("vol-b", 2, "snap-a")
    copy = store.volume("vol-b")
    assert copy.stat().st_size == 2 << 30  # grown to the requested size
    with open(copy, "rb") as disk:
        disk.seek(300 << 20)
        assert disk.read(18) == b"written at 300 MiB"
    assert copy.stat().st_blocks * 512 < 4 << 20


def test_snapshot_of_10_gib_volume_copies_only_the_written_data(store):
    """Sparse in, sparse out: what keeps it fast (timed in benchmarks/, not here)."""
    store.create_volume("vol-big", 10, None)
    chunk = os.urandom(1 << 20)
    with open(store.volume("vol-big"), "r+b") as disk:
        for offset in range(0, 10 << 30, 50 << 20):  # 200 MiB spread over the disk
            disk.seek(offset)
            disk.write(chunk)
    subprocess.run(["sync"], check=True)
    store.create_snapshot("snap-big", "vol-big", lambda percent: None)
    snapshot = store.snapshot("snap-big")
    assert snapshot.stat().st_size == 10 << 30
    assert 200 << 20 <= snapshot.stat().st_blocks * 512 < 300 << 20  # not 10 GiB of zeros
    with open(snapshot, "rb") as disk:
        disk.seek(9950 << 20)
        assert disk.read(1 << 20) == chunk


def test_volume_from_unknown_snapshot_says_what_to_do(store):
    with pytest.raises(BackendError, match="snap-nope has no data"):
        store.create_volume("vol-a", 1, "snap-nope")


def test_ids_cannot_name_files_outside_the_store(store):
    with pytest.raises(BackendError, match="invalid resource id"):
        store.create_volume("../escape", 1, None)
