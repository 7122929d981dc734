"""outscale-bsuvolume: provision volumes through a temporary VM, then keep only the volumes."""

from __future__ import annotations

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.steps import Step, run_steps
from osc_build_bsuvolume import BUILDER_ID, NAME, kept_volumes
from osc_build_bsuvolume.kept_volumes import VolumeBuildState
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import (
    access,
    images,
    keypair,
    network,
    password,
    public_ip,
    security_group,
    vm,
)
from osc_build_outscale.cloud.volume_lifecycle import delete_volume

STEPS: list[Step[VolumeBuildState]] = [
    Step("check credentials", access.check_credentials),
    Step("find the source OMI", images.find_source),
    Step("resolve the network", network.resolve_network),
    Step("create the keypair", keypair.setup_keypair),
    Step("create the public IP", public_ip.create_public_ip),
    Step("create the security group", security_group.setup_security_groups),
    Step("launch the VM", vm.run_vm),
    Step("tag the volumes", kept_volumes.tag_volumes),
    Step("get the Windows password", password.get_password, when=password.password_wanted),
    Step("provision", vm.connect_and_provision),
    Step("stop the VM", vm.stop_vm),
    Step("detach the volumes", kept_volumes.detach_volumes),
    Step("terminate the VM", kept_volumes.terminate_vm),
]


def build(ctx: BuildContext) -> Artifact:
    """Run the steps; the artifact is what they made."""
    state = run_steps(ctx, STEPS, VolumeBuildState())
    return volume_artifact(state.api, state.volumes, state.build_info()["SourceOMI"])


def volume_artifact(client: OscClient, kept: dict[str, str], source_omi: str = "") -> Artifact:
    """``region:vol-id`` per kept volume; destroying the artifact deletes the volumes."""
    lines = "\n".join(f"{client.region}: {volume_id} ({device})"
                      for device, volume_id in kept.items())

    def destroy() -> None:
        for volume_id in kept.values():
            delete_volume(client, volume_id, unlink=False)

    return Artifact(builder=NAME, builder_id=BUILDER_ID,
                    ids=tuple((client.region, v) for v in kept.values()),
                    description=f"BSU volumes were created:\n{lines}",
                    state={"volumes": dict(kept), "source_omi": source_omi},
                    destroy=destroy)
