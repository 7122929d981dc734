"""Disk images as OOS objects: raw or qcow2, gzip-compressed (``snap-....qcow2.gz``), and back.

OUTSCALE's exported snapshots are ``.qcow2.gz`` files (Manifest File Reference). qcow2
is written by ``qemu-img`` (Debian's qemu-utils). Holes of sparse files are not fed to
zlib byte by byte: each is written as ready-made gzip members of zeros (a gzip file may
be several members end to end), so a 10 GiB disk with little data compresses in moments.
"""

from __future__ import annotations

import functools
import gzip
import logging
import os
import shutil
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)
FORMATS = ("qcow2", "raw")
QCOW2_MAGIC = b"QFI\xfb"
_CHUNK = 1 << 20
_ZERO_RUN = 64 << 20


class DiskImageError(Exception):
    """A disk image cannot be made or read; the message says why."""


def _qemu_img(*args: str) -> None:
    if shutil.which("qemu-img") is None:
        raise DiskImageError("qemu-img is missing: install the Debian package qemu-utils")
    done = subprocess.run(["qemu-img", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise DiskImageError(f"qemu-img {args[0]} failed: {done.stderr.strip()}")


@functools.cache
def _zeros_member(size: int) -> bytes:
    return gzip.compress(bytes(size), compresslevel=9, mtime=0)


def _segments(path: Path):
    """(offset, length, is_data) runs of a sparse file, via SEEK_DATA/SEEK_HOLE."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        fd, offset = handle.fileno(), 0
        while offset < size:
            try:
                data = os.lseek(fd, offset, os.SEEK_DATA)
            except OSError:  # no data after offset
                data = size
            if data > offset:
                yield offset, data - offset, False
            if data >= size:
                return
            hole = os.lseek(fd, data, os.SEEK_HOLE)
            yield data, hole - data, True
            offset = hole


def gzip_sparse(source: Path, dest: Path, progress: Callable[[float], None] = lambda f: None,
                ) -> None:
    total = max(source.stat().st_size, 1)
    with open(source, "rb") as src, open(dest, "wb") as out:
        for offset, length, is_data in _segments(source):
            if not is_data:
                for _ in range(length // _ZERO_RUN):
                    out.write(_zeros_member(_ZERO_RUN))
                if rest := length % _ZERO_RUN:
                    out.write(_zeros_member(rest))
            else:
                src.seek(offset)
                deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
                left = length
                while left:
                    block = src.read(min(_CHUNK, left))
                    if not block:
                        break
                    out.write(deflate.compress(block))
                    left -= len(block)
                out.write(deflate.flush())
            progress((offset + length) / total)


def export_file(raw: Path, disk_format: str, dest: Path, workdir: Path,
                progress: Callable[[float], None] = lambda f: None) -> None:
    """Write ``raw`` as a gzip-compressed ``disk_format`` image at ``dest``."""
    if disk_format not in FORMATS:
        raise DiskImageError(f"unknown disk image format {disk_format!r}; known: {FORMATS}")
    source = raw
    if disk_format == "qcow2":
        source = workdir / f"{dest.name}.qcow2"
        _qemu_img("convert", "-q", "-f", "raw", "-O", "qcow2", str(raw), str(source))
    try:
        gzip_sparse(source, dest, progress)
    finally:
        if source != raw:
            source.unlink(missing_ok=True)


def _write_sparse(stream: BinaryIO, dest: Path) -> None:
    zero = bytes(_CHUNK)
    with open(dest, "wb") as out:
        while block := stream.read(_CHUNK):
            if block == zero[:len(block)]:
                out.seek(len(block), os.SEEK_CUR)
            else:
                out.write(block)
        out.truncate()


def import_file(compressed: BinaryIO, dest: Path, size: int, workdir: Path) -> None:
    """Read a (gzip-compressed or plain) raw or qcow2 image into the raw file ``dest``."""
    staging = workdir / f"{dest.name}.download"
    head = compressed.peek(2)[:2] if hasattr(compressed, "peek") else b""
    stream = gzip.GzipFile(fileobj=compressed) if head == b"\x1f\x8b" else compressed
    try:
        _write_sparse(stream, staging)
    except (OSError, EOFError, zlib.error) as exc:
        staging.unlink(missing_ok=True)
        raise DiskImageError(f"the snapshot file is not a readable gzip stream: {exc}") from exc
    with open(staging, "rb") as handle:
        magic = handle.read(4)
    if magic == QCOW2_MAGIC:
        try:
            _qemu_img("convert", "-q", "-f", "qcow2", "-O", "raw", str(staging), str(dest))
        finally:
            staging.unlink(missing_ok=True)
    else:
        staging.replace(dest)
    if dest.stat().st_size > size:
        dest.unlink()
        raise DiskImageError(f"the disk image holds {dest.stat().st_size} bytes, more than "
                             f"the {size} bytes the manifest gives")
    os.truncate(dest, size)
