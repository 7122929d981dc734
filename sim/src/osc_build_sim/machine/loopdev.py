"""Loop devices: how a volume's raw file becomes a block device.

Every loop device the simulator makes has its backing file under the data directory,
so the ones a crashed run left behind are found again from ``losetup`` alone.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import time
from pathlib import Path

from osc_build_sim.backend import BackendError

log = logging.getLogger(__name__)


def attach(path: Path) -> str:
    """Attach ``path`` with partition scanning; return the device, e.g. ``/dev/loop3``."""
    result = subprocess.run(["losetup", "--find", "--show", "--partscan", str(path)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackendError(f"cannot attach {path.name} to a loop device: {result.stderr.strip()}")
    device = result.stdout.strip()
    rescan(device)
    return device


def rescan(device: str) -> None:
    """Make the kernel's partitions of ``device`` match its partition table.

    This kernel does not parse partition tables itself (a re-read finds nothing), so
    ``partx`` reads the table and declares the partitions, as a VM's kernel would.
    """
    result = subprocess.run(["partx", "--update", device], capture_output=True, check=False)
    if result.returncode != 0 and partitions(device):
        subprocess.run(["partx", "--delete", device], capture_output=True, check=False)


class PartitionTracker:
    """Keeps a loop device's kernel partitions in line with its partition table.

    Polled. Rescans once the table has stopped changing for ``settle`` seconds (a
    partitioning tool ends with a BLKRRPART that, on this kernel, finds nothing and
    drops what was declared), and again whenever the declared partitions vanish.
    """

    def __init__(self, device: str, path: Path, settle: float = 0.15):
        self.device = device
        self.path = path
        self.settle = settle
        self.digest = table_digest(path)  # table when last rescanned (attach did)
        self.pending = self.digest  # table last seen
        self.since = 0.0  # when the table last changed
        self.declared = partitions(device)

    def sync(self) -> dict[str, tuple[int, int]]:
        now = time.monotonic()
        digest = table_digest(self.path)
        if digest != self.pending:
            self.pending, self.since = digest, now
        current = partitions(self.device)
        if now - self.since >= self.settle and (digest != self.digest
                                                 or current != self.declared):
            rescan(self.device)
            self.digest = digest
            self.declared = current = partitions(self.device)
        return current


def table_digest(path: Path) -> bytes:
    """A digest of the MBR and primary GPT of a volume file: changes with its partitions.

    Read from the file, not the device: opening a loop device can make the kernel
    rescan it, which here drops the partitions declared with partx.
    """
    try:
        with open(path, "rb") as handle:
            return hashlib.blake2b(handle.read(34 * 512), digest_size=16).digest()
    except OSError:
        return b""


def detach(device: str, timeout: float = 10.0) -> None:
    """Detach ``device``, waiting while a dying sandbox still holds its filesystem."""
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(["losetup", "--detach", device], capture_output=True,
                                text=True, check=False)
        if result.returncode == 0 or not backing_file(device):
            break
        if time.monotonic() > deadline:
            raise BackendError(f"cannot detach {device}: {result.stderr.strip()}")
        time.sleep(0.05)
    # The kernel may defer the detach (autoclear) until the last user is gone.
    while backing_file(device) and time.monotonic() < deadline:
        time.sleep(0.02)


def backing_file(device: str) -> str | None:
    name = os.path.basename(device)
    try:
        return Path(f"/sys/block/{name}/loop/backing_file").read_text().strip() or None
    except OSError:
        return None


def device_numbers(device: str) -> tuple[int, int]:
    st = os.stat(device)
    return os.major(st.st_rdev), os.minor(st.st_rdev)


def partitions(device: str) -> dict[str, tuple[int, int]]:
    """Partitions the kernel sees on ``device``: {"1": (major, minor), ...}."""
    name = os.path.basename(device)
    found = {}
    try:
        entries = os.listdir(f"/sys/block/{name}")
    except OSError:
        return found
    for entry in entries:
        if entry.startswith(f"{name}p"):
            try:
                major, minor = Path(f"/sys/block/{name}/{entry}/dev").read_text().split(":")
            except (OSError, ValueError):
                continue
            found[entry[len(name) + 1:]] = (int(major), int(minor))
    return found


def attached_under(directory: Path) -> list[str]:
    """Loop devices whose backing file lies under ``directory`` (deleted files included)."""
    result = subprocess.run(["losetup", "--list", "--json", "--output", "NAME,BACK-FILE"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0 or not result.stdout.strip():
        return []
    prefix = str(directory.resolve()) + os.sep
    return [entry["name"] for entry in json.loads(result.stdout).get("loopdevices", [])
            if (entry.get("back-file") or "").startswith(prefix)]
