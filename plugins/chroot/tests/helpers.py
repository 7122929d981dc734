"""What a chroot build may leave behind (shared with the reliability suite), and the examples."""

from __future__ import annotations

import os
from pathlib import Path

from osc_build_chroot.testing import (  # noqa: F401 - the tests' names for them
    MOUNT_ROOT,
    cloud_leftovers,
    host_vm_id,
    machine_leftovers,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "tests" / "data" / "anchor-examples"


def chrooted_processes(argv: list[str]) -> list[int]:
    """PIDs running exactly ``argv`` inside a chroot (their root is not this machine's):
    what a build's chroot commands left. Read from /proc, so that a VM's own processes or
    another simulator's on this shared machine never count, and no pgrep is needed."""
    wanted = "\0".join(argv).encode() + b"\0"
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if handle.read() != wanted:
                    continue
            if os.readlink(f"/proc/{entry}/root") != "/":
                found.append(int(entry))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found
