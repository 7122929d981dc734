"""What the machine backend needs from this machine, checked once at start."""

from __future__ import annotations

import os
import shutil

from osc_build_sim.backend import BackendError
from osc_build_sim.machine.rootfs import missing_image_packages

# Host command -> Debian package providing it.
HOST_TOOLS = {
    "unshare": "util-linux", "nsenter": "util-linux", "setpriv": "util-linux",
    "setsid": "util-linux", "losetup": "mount", "partx": "util-linux", "mount": "mount",
    "pivot_root": "util-linux", "mkfs.ext4": "e2fsprogs", "cp": "coreutils",
    "ip": "iproute2", "hostname": "hostname", "ldd": "libc-bin", "sfdisk": "fdisk",
}


def missing_packages() -> list[str]:
    missing = {package for tool, package in HOST_TOOLS.items() if not shutil.which(tool)}
    return sorted(missing | set(missing_image_packages()))


def check_host() -> None:
    """Raise a one-line :class:`BackendError` when this machine cannot run real VMs."""
    if os.geteuid() != 0:
        raise BackendError("the machine backend needs root (loop devices, mounts and "
                           "namespaces): run osc-build-sim as root, or use --backend null")
    missing = missing_packages()
    if missing:
        raise BackendError("the machine backend needs host tools this machine lacks: run "
                           f"`apt-get install -y --no-install-recommends {' '.join(missing)}`")
    if not os.path.exists("/dev/loop-control"):
        raise BackendError("the machine backend needs loop devices (/dev/loop-control is "
                           "missing): load the loop module with `modprobe loop`")
