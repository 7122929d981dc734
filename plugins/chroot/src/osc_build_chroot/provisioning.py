"""Steps that run user commands: pre/post-mount commands on the host, provisioners inside."""

from __future__ import annotations

import logging

from osc_build.context import BuildContext
from osc_build.provision import run_provisioners
from osc_build_chroot import commands, devices
from osc_build_chroot.communicator import ChrootCommunicator
from osc_build_chroot.state import ChrootBuildState

log = logging.getLogger(__name__)

PARTITION_WAIT = 10.0


def _run_all(ctx: BuildContext, state: ChrootBuildState, key: str,
             templates: list[str]) -> None:
    for template in templates:
        ctx.check_cancelled()
        command = commands.render(template, state.command_data())
        ctx.ui.message(f"running: {command}")
        commands.check(ctx, command, what=f"{key} command {command!r}")
        # Partitioning tools return before the new partitions' nodes exist; wait for
        # them as udev settle would, so that the next command can use them.
        devices.wait_for_partitions(ctx, state.device_node, timeout=PARTITION_WAIT)


def pre_mount_commands(ctx: BuildContext, state: ChrootBuildState) -> None:
    if ctx.config.pre_mount_commands:
        ctx.ui.say("Running pre-mount commands...")
    _run_all(ctx, state, "pre_mount_commands", ctx.config.pre_mount_commands)


def post_mount_commands(ctx: BuildContext, state: ChrootBuildState) -> None:
    if ctx.config.post_mount_commands:
        ctx.ui.say("Running post-mount commands...")
    _run_all(ctx, state, "post_mount_commands", ctx.config.post_mount_commands)


def provision(ctx: BuildContext, state: ChrootBuildState) -> None:
    """The build's provisioners, with the chroot communicator."""
    if not ctx.provisioners:
        return
    ctx.ui.say(f"Provisioning in the chroot {state.mount_path}...")
    run_provisioners(ctx, ChrootCommunicator(ctx, state.mount_path), ctx.provisioners)
