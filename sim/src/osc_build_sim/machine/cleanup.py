"""Finding what a previous run left on this machine, so that a restart removes it.

Everything the machine backend makes can be recognised without a journal: sandboxes
are ``unshare`` processes whose command line names the data directory, loop devices
have their backing file under it, host-VM device links are listed in a file there, and
per-VM cgroups sit under a cgroup directory named after it (``guest_init.owner_key``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import time
from pathlib import Path

from osc_build_sim.machine import guest_init, loopdev

log = logging.getLogger(__name__)


def sandbox_processes(root: Path) -> list[int]:
    """PIDs of the ``unshare`` processes of sandboxes under ``root``."""
    marker = str(root.resolve()).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"unshare") and any(marker in arg for arg in argv):
            pids.append(int(entry))
    return pids


class HostLinks:
    """Device links made on this machine for volumes linked to the host VM."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def save(self, links: dict[str, str]) -> None:
        staging = self.path.with_suffix(".tmp")
        staging.write_text(json.dumps(links))
        staging.replace(self.path)


def remove_leftovers(root: Path, links: HostLinks) -> None:
    """Kill old sandboxes, remove old device links and detach old loop devices."""
    pids = sandbox_processes(root)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        pids = [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
        time.sleep(0.02)
    for link in links.load():
        with contextlib.suppress(FileNotFoundError):
            if os.path.islink(link):
                os.unlink(link)
    links.save({})
    # Every VM cgroup of this simulator, whether or not its VM still has a directory here:
    # none of its VMs runs now (their sandboxes were killed above).
    for path in guest_init.remove_owner_cgroups(guest_init.owner_key(root)):
        log.warning("could not remove %s: processes are still in it", path)
    for device in loopdev.attached_under(root):
        log.info("detaching %s left by a previous run", device)
        loopdev.detach(device)
