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


@hookimpl
def osc_build_leftovers_command(ctx):
    """What a build whose cleanup failed prints: the command that finishes the job later."""
    if not ctx.builder.startswith("outscale-"):
        return None
    local = " --local" if _is_local(ctx) else ""
    return f"osc-build leftovers{local} --run-id {ctx.run_id} --delete"


def _is_local(ctx) -> bool:
    from osc_build_outscale.local import _running, data_dir

    state = _running(data_dir())
    # Every outscale- builder has the access options; a third-party one may not.
    endpoint = getattr(ctx.config, "custom_endpoint_oapi", None)
    root = state["endpoint"].rsplit("/api/v1", 1)[0] if state else None
    return bool(root and endpoint and endpoint.startswith(root))
