"""outscale-bsu: launch a VM from a source OMI, provision it over SSH, make an OMI of it."""

from __future__ import annotations

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.steps import Step, run_steps
from osc_build_bsu import BUILDER_ID, NAME
from osc_build_outscale.cloud import (
    access,
    images,
    keypair,
    network,
    public_ip,
    region_copy,
    regions,
    security_group,
    vm,
)
from osc_build_outscale.cloud.state import VmBuildState


def _making_omi(ctx: BuildContext) -> bool:
    return not ctx.config.skip_create_omi


def _name_check_wanted(ctx: BuildContext) -> bool:
    return _making_omi(ctx) and images.name_check_wanted(ctx)


def _deregister_wanted(ctx: BuildContext) -> bool:
    return _making_omi(ctx) and images.deregister_wanted(ctx)


def _copy_wanted(ctx: BuildContext) -> bool:
    return _making_omi(ctx) and regions.copy_wanted(ctx)


STEPS: list[Step[VmBuildState]] = [
    Step("check credentials", access.check_credentials),
    Step("check the other Regions", regions.check_copy_regions, when=_copy_wanted),
    Step("check the OMI name", images.check_name_free, when=_name_check_wanted),
    Step("find the source OMI", images.find_source),
    Step("resolve the network", network.resolve_network),
    Step("create the keypair", keypair.setup_keypair),
    Step("create the public IP", public_ip.create_public_ip),
    Step("create the security group", security_group.setup_security_groups),
    Step("launch the VM", vm.run_vm),
    Step("provision", vm.connect_and_provision),
    Step("stop the VM", vm.stop_vm),
    Step("deregister the old OMI", images.deregister_existing, when=_deregister_wanted),
    Step("create the OMI", images.create_from_vm, when=_making_omi),
    Step("copy the OMI to other regions", region_copy.copy_to_regions, when=_making_omi),
    Step("set permissions", images.set_permissions, when=_making_omi),
    Step("tag the OMI", images.tag_images, when=_making_omi),
]


def build(ctx: BuildContext) -> Artifact:
    """Run the steps; the artifact is what they made."""
    state = run_steps(ctx, STEPS, VmBuildState())
    if not state.images:
        return Artifact(builder=NAME, builder_id=BUILDER_ID, ids=(),
                        description="No OMI was created (skip_create_omi).")
    return images.omi_artifact(NAME, BUILDER_ID, state)
