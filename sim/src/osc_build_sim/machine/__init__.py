"""The machine layer of the simulator: real disks, sandboxed VMs and their SSH.

Needs root. ``MachineBackend`` implements :class:`osc_build_sim.backend.Backend`.
Imported lazily: the Windows guest runner (``machine.windows.guest``), started for every
WinRM command, must not pay for asyncssh and the rest of the backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from osc_build_sim.machine.machine_backend import MachineBackend

__all__ = ["MachineBackend"]


def __getattr__(name: str):
    if name == "MachineBackend":
        from osc_build_sim.machine.machine_backend import MachineBackend
        return MachineBackend
    raise AttributeError(name)
