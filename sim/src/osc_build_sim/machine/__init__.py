"""The machine layer of the simulator: real disks, sandboxed VMs and their SSH.

Needs root. ``MachineBackend`` implements :class:`osc_build_sim.backend.Backend`.
"""

from osc_build_sim.machine.machine_backend import MachineBackend

__all__ = ["MachineBackend"]
