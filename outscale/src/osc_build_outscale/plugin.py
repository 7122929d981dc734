"""The package's osc-build plugin: its errors are user errors, and ``--local`` is the simulator.

Registered in the ``osc_build`` entry-point group, so it is imported whenever
osc-build builds: keep it free of heavy imports.
"""

from __future__ import annotations

from osc_build import hookimpl
from osc_build_outscale.errors import OutscaleError


@hookimpl
def osc_build_handled_errors():
    return [OutscaleError]


@hookimpl
def osc_build_local_cloud():
    from osc_build_outscale.local import SimulatorCloud

    return SimulatorCloud()
