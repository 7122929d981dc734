"""Device names on this machine: the lock, a free name, and waiting for the nodes.

The lock is held from choosing a device name until the volume's node exists,
so that two chroot builds on one machine never pick the same name. Its path
is the Go plugin's (and amazon-chroot's), so builds of both tools exclude
each other.
"""

from __future__ import annotations

import fcntl
import logging
import os
import stat
import subprocess
import time
from pathlib import Path

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.cloud.waits import poll_until

log = logging.getLogger(__name__)

LOCK_FILE = Path("/var/lock/packer-chroot/lock")
LETTERS = "fghijklmnop"
POLL = 0.1


class DeviceLock:
    """An exclusive ``flock`` on :data:`LOCK_FILE`, waited for without blocking Ctrl-C."""

    def __init__(self, path: Path = LOCK_FILE) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, ctx: BuildContext) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        said = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not said:
                        ctx.ui.message(f"waiting for another chroot build's lock {self.path}")
                        said = True
                    ctx.cancelled.wait(POLL)
                    ctx.check_cancelled()
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def api_name(device: str) -> str:
    """The API refuses /dev/vdX names: the same disk is /dev/xvdX for LinkVolume."""
    if device.startswith("/dev/vd"):
        return "/dev/xvd" + device[len("/dev/vd"):]
    return device


def _prefix(sys_block: Path) -> str:
    try:
        names = sorted(os.listdir(sys_block))
    except OSError:
        names = []
    for name in names:
        for prefix in ("xvd", "sd", "vd"):
            if name.startswith(prefix):
                return prefix
    return "xvd"


def free_device(taken: set[str], *, sys_block: Path = Path("/sys/block"),
                dev: Path = Path("/dev")) -> str:
    """The first ``/dev/xvd[f-p]`` whose nodes (any naming) do not exist and that the
    host VM does not use (``taken``: its device names)."""
    prefixes = dict.fromkeys((_prefix(sys_block), "xvd", "sd", "vd"))
    for letter in LETTERS:
        name = api_name(f"/dev/{_prefix(sys_block)}{letter}")
        if name in taken:
            continue
        nodes = [dev / f"{prefix}{letter}{suffix}" for prefix in prefixes
                 for suffix in ("", "1")]
        if not any(os.path.lexists(node) for node in nodes):
            return name
    raise BuildError(f"no free device name from /dev/xvd{LETTERS[0]} to /dev/xvd{LETTERS[-1]} "
                     "on this machine; unlink volumes you do not need, or set device_path")


def is_block_device(path: str) -> bool:
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


def wait_for_node(ctx: BuildContext, path: str, *, timeout: float, why: str) -> None:
    """Wait until ``path`` is a block device here (the Go plugin mounted without waiting)."""
    if not poll_until(ctx, lambda: is_block_device(path), timeout=timeout, every=POLL):
        raise BuildError(f"{path} did not appear on this machine within {timeout:g}s "
                         f"({why}); if the volume shows under another name, set "
                         "nvme_device_path (or device_path)")


def partition_node(device: str, partition: str) -> str:
    """``/dev/xvdf`` + ``1`` is ``/dev/xvdf1``; ``/dev/nvme1n1`` + ``1`` is ``/dev/nvme1n1p1``."""
    if not partition:
        return device
    if device[-1:].isdigit() and partition.isdigit():
        return f"{device}p{partition}"
    return f"{device}{partition}"


def table_partitions(device: str) -> list[str]:
    """Partition numbers in ``device``'s partition table, read from the disk itself."""
    result = subprocess.run(["partx", "--show", "--noheadings", "--output", "NR", device],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return []
    return [line.strip() for line in result.stdout.splitlines() if line.strip().isdigit()]


def wait_for_partitions(ctx: BuildContext, device: str, *, timeout: float) -> None:
    """Wait until every partition of the table has its node, as ``udevadm settle`` would.

    Commands like ``parted`` and ``partprobe`` return before the nodes of the new
    partitions exist; the next command (``mkfs {{.Device}}1``) needs them.
    """
    wanted = [partition_node(device, number) for number in table_partitions(device)]
    if not wanted:
        return
    settled_since: list[float] = []  # when every node was last seen present, if still so

    def settled() -> bool:
        if not all(is_block_device(node) for node in wanted):
            settled_since.clear()
            return False
        settled_since[:] = settled_since or [time.monotonic()]
        return time.monotonic() - settled_since[0] >= 2 * POLL

    if not poll_until(ctx, settled, timeout=timeout, every=POLL):
        missing = [n for n in wanted if not is_block_device(n)]
        log.warning("partition nodes %s did not appear within %gs", ", ".join(missing), timeout)
