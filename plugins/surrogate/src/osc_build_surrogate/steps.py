"""outscale-bsusurrogate: the provisioners build a system on the surrogate VM's extra volumes,
which are snapshotted and registered as a new OMI (the surrogate's own root is not in it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.steps import Step, run_steps
from osc_build_outscale.cloud import (
    access,
    device_snapshots,
    images,
    keypair,
    network,
    password,
    public_ip,
    region_copy,
    regions,
    security_group,
    vm,
)
from osc_build_outscale.cloud.reads import read_by_id
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_surrogate import BUILDER_ID, NAME
from osc_build_surrogate.devices import omi_mappings, snapshotted_devices


@dataclass
class SurrogateState(VmBuildState):
    device_snapshots: dict[str, str] = field(default_factory=dict)  # launch device -> snapshot


def snapshot_volumes(ctx: BuildContext, state: SurrogateState) -> None:
    """Snapshot every launch device of the stopped surrogate, in parallel."""
    devices = snapshotted_devices(ctx.config)
    ctx.ui.say(f"Snapshotting {', '.join(devices)} of {state.vm['VmId']}...")
    state.vm = read_by_id(state.api, "vm", state.vm["VmId"]) or state.vm
    state.device_snapshots = device_snapshots.snapshot_devices(ctx, state.api, state.vm,
                                                               devices)


def register_omi(ctx: BuildContext, state: SurrogateState) -> None:
    """Register the OMI from the snapshots; they become part of the artifact."""
    root = ctx.config.omi_root_device.device_name
    device_snapshots.register_from_snapshots(
        ctx, state, root_device_name=root,
        mappings=omi_mappings(ctx.config, state.device_snapshots))
    for snapshot_id in state.device_snapshots.values():
        ctx.resources.keep(snapshot_id)


STEPS: list[Step[SurrogateState]] = [
    Step("check credentials", access.check_credentials),
    Step("check the other Regions", regions.check_copy_regions, when=regions.copy_wanted),
    Step("check the OMI name", images.check_name_free, when=images.name_check_wanted),
    Step("find the source OMI", images.find_source),
    Step("resolve the network", network.resolve_network),
    Step("create the keypair", keypair.setup_keypair),
    Step("create the public IP", public_ip.create_public_ip),
    Step("create the security group", security_group.setup_security_groups),
    Step("launch the VM", vm.run_vm),
    Step("get the Windows password", password.get_password, when=password.password_wanted),
    Step("provision", vm.connect_and_provision),
    Step("stop the VM", vm.stop_vm),
    Step("snapshot the volumes", snapshot_volumes),
    Step("deregister the old OMI", images.deregister_existing, when=images.deregister_wanted),
    Step("register the OMI", register_omi),
    Step("copy the OMI to other regions", region_copy.copy_to_regions),
    Step("set permissions", images.set_permissions),
    Step("tag the OMI", images.tag_images),
]


def build(ctx: BuildContext) -> Artifact:
    """Run the steps; the artifact is what they made."""
    state = run_steps(ctx, STEPS, SurrogateState())
    return images.omi_artifact(NAME, BUILDER_ID, state, device_snapshots=state.device_snapshots)
