"""For tests of chroot builds: what one may leave behind, here and in the simulator.

Used by this plugin's tests and the reliability suite; needs osc-build-sim installed.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path

from osc_build_chroot.devices import LOCK_FILE
from osc_build_chroot.options import DEFAULT_MOUNT_PATH

MOUNT_ROOT = DEFAULT_MOUNT_PATH.split("/{{")[0]


def host_vm_id(sim) -> str:
    return json.loads((sim.data_dir / "state.json").read_text())["host_vm_id"]


def cloud_leftovers(sim) -> dict[str, list[str]]:
    """Temporary resources in the simulator; the host VM (this machine) and its root aside."""
    from osc_build_sim.testing import leftovers

    found = leftovers(sim)
    host = host_vm_id(sim)
    vms = [v for v in found.pop("vm", []) if v != host]
    if vms:
        found["vm"] = vms
    host_volumes = {m["Bsu"]["VolumeId"] for v in sim.resources("vm") if v["VmId"] == host
                    for m in v.get("BlockDeviceMappings", [])}
    volumes = [v for v in found.pop("volume", []) if v not in host_volumes]
    if volumes:
        found["volume"] = volumes
    return found


def _another_simulators(link: str, data_dir: Path) -> bool:
    """Whether device link ``link`` leads to a loop device of another simulator's volume (a
    build of another checkout on this machine, running now): not this test's leftover."""
    loop = re.fullmatch(r"(loop\d+)(p\d+)?", os.path.basename(os.path.realpath(link)))
    if loop is None:  # dangling, or not a loop device: left by this test's build
        return False
    try:
        backing = Path(f"/sys/block/{loop.group(1)}/loop/backing_file").read_text().strip()
    except OSError:  # dangling, or not a loop device: left by this test's build
        return False
    return not backing.startswith(str(Path(data_dir).resolve()) + os.sep)


def machine_leftovers(sim) -> list[str]:
    """Mounts, loop devices, device links and the lock a chroot build may leave here."""
    from osc_build_sim.machine import loopdev

    found = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()
             if MOUNT_ROOT in line.split()[1]]
    found += loopdev.attached_under(sim.data_dir / "machine" / "volumes")
    found += [f"/dev/{name}" for name in os.listdir("/dev")
              if re.fullmatch(r"xvd[f-p]\d*", name)
              and not _another_simulators(f"/dev/{name}", sim.data_dir)]
    if LOCK_FILE.exists():
        fd = os.open(LOCK_FILE, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            found.append(f"lock {LOCK_FILE} held")
        finally:
            os.close(fd)
    return found
