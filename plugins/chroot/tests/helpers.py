"""What a chroot build may leave behind, here and in the simulator."""

from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path

from osc_build_chroot.devices import LOCK_FILE
from osc_build_sim.machine import loopdev
from osc_build_sim.testing import leftovers

MOUNT_ROOT = "/mnt/packer-outscale-chroot-volumes"
EXAMPLES = Path("/work/shared/anchor-examples")

def host_vm_id(sim) -> str:
    return json.loads((sim.data_dir / "state.json").read_text())["host_vm_id"]


def cloud_leftovers(sim) -> dict[str, list[str]]:
    """Temporary resources in the simulator, the host VM (this machine) aside."""
    found = leftovers(sim)
    vms = [v for v in found.get("vm", []) if v != host_vm_id(sim)]
    if vms:
        found["vm"] = vms
    else:
        found.pop("vm", None)
    return found


def machine_leftovers(sim) -> list[str]:
    """Mounts, loop devices, device links and the lock a chroot build may leave here."""
    found = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
             if MOUNT_ROOT in line.split()[1]]
    found += loopdev.attached_under(sim.data_dir / "machine" / "volumes")
    found += [f"/dev/{name}" for name in os.listdir("/dev")
              if re.fullmatch(r"xvd[f-p]\d*", name)]
    if LOCK_FILE.exists():
        fd = os.open(LOCK_FILE, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            found.append(f"lock {LOCK_FILE} held")
        finally:
            os.close(fd)
    return found
