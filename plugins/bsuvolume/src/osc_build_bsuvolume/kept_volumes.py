"""Steps on the volumes bsuvolume keeps: tag them, detach them, terminate the VM without them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_bsuvolume.options import kept_devices
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.reads import state_of
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_outscale.cloud.volume_lifecycle import delete_volume
from osc_build_outscale.cloud.waits import wait

log = logging.getLogger(__name__)


@dataclass
class VolumeBuildState(VmBuildState):
    volumes: dict[str, str] = field(default_factory=dict)  # device name -> id, kept ones only


def tag_volumes(ctx: BuildContext, state: VolumeBuildState) -> None:
    """Find each bsu_volumes volume on the VM and give it its own tags."""
    attached = {m["DeviceName"]: m["Bsu"]["VolumeId"]
                for m in state.vm.get("BlockDeviceMappings") or [] if m.get("Bsu")}
    info = state.build_info()
    for volume in ctx.config.bsu_volumes:
        if volume.no_device:
            continue
        device = volume.device_name
        if device not in attached:
            raise BuildError(f"VM {state.vm['VmId']} has no volume at {device} (it has "
                             f"{', '.join(sorted(attached)) or 'none'}); check the "
                             "device_name of that bsu_volumes block")
        tagging.apply(state.api, [attached[device]], tagging.render(volume.tags, info))
    state.volumes = {device: attached[device] for device in kept_devices(ctx.config)}
    ctx.ui.message("volumes to keep: " + ", ".join(
        f"{device} {volume_id}" for device, volume_id in state.volumes.items()))


def detach_volumes(ctx: BuildContext, state: VolumeBuildState) -> None:
    """Unlink the kept volumes from the stopped VM, so that deleting it spares them."""
    client = state.api
    for device, volume_id in state.volumes.items():
        ctx.ui.say(f"Detaching volume {volume_id} ({device})...")
        # Tracked first, so that an interrupt during the call cannot lose it: from now on
        # the volume is ours, not the VM's, and a failed build deletes it.
        ctx.resources.track("volume", volume_id,
                            lambda v=volume_id: delete_volume(client, v),
                            keep_on_success=True, region=client.region,
                            on_keep=tagging.unmark_temporary(client, [volume_id]))
        client.call("UnlinkVolume", VolumeId=volume_id)
    for volume_id in state.volumes.values():
        wait(ctx, lambda v=volume_id: state_of(client, "volume", v),
             wanted={"available"}, failed={"error", "deleting"}, kind="volume",
             describe=f"volume {volume_id}")


def terminate_vm(ctx: BuildContext, state: VolumeBuildState) -> None:
    """Delete the VM now, with its scratch volumes; the detached volumes stay."""
    from osc_build_outscale.cloud.vm import terminate

    vm_id = state.vm["VmId"]
    ctx.ui.say(f"Terminating VM {vm_id}...")
    terminate(state.api, vm_id, keep_volumes=tuple(state.volumes.values()))
    ctx.resources.forget(vm_id)
