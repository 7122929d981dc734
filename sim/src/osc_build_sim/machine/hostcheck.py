"""What the machine backend needs from this machine, checked (and installed) once at start."""

from __future__ import annotations

import os

from osc_build_sim import host_requirements
from osc_build_sim.backend import BackendError


def check_host() -> None:
    """Raise a one-line :class:`BackendError` when this machine cannot run real VMs.

    Missing host packages are installed first when we are root on Debian or Ubuntu
    (see :mod:`osc_build_sim.host_requirements`).
    """
    if os.geteuid() != 0:
        raise BackendError("the machine backend needs root (loop devices, mounts and "
                           "namespaces): run osc-build-sim as root, or use --backend null")
    try:
        host_requirements.ensure(why="the simulator's machine backend")
    except host_requirements.HostSetupError as error:
        raise BackendError(str(error)) from None
    if not os.path.exists("/dev/loop-control"):
        raise BackendError("the machine backend needs loop devices (/dev/loop-control is "
                           "missing): load the loop module with `modprobe loop`")
