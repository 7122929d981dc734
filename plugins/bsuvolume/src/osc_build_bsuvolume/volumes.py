"""Steps on the build VM's volumes: tag them, detach the kept ones, delete them on undo."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_bsuvolume.options import kept_devices
from osc_build_outscale.client import OscClient, wait_for
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_outscale.cloud.vm import CLEANUP_WAIT
from osc_build_outscale.cloud.waits import read_one, wait
from osc_build_outscale.errors import CloudError

log = logging.getLogger(__name__)


@dataclass
class VolumeBuildState(VmBuildState):
    volumes: dict[str, str] = field(default_factory=dict)  # device name -> id, kept ones only


def tag_volumes(ctx: BuildContext, state: VolumeBuildState) -> None:
    """Find each bsu_volumes volume on the VM and give it its own tags."""
    attached = {m["DeviceName"]: m["Bsu"]["VolumeId"]
                for m in state.vm.get("BlockDeviceMappings") or [] if m.get("Bsu")}
    info = state.build_info()
    for volume in ctx.config["bsu_volumes"]:
        if volume.get("no_device"):
            continue
        device = volume["device_name"]
        if device not in attached:
            raise BuildError(f"VM {state.vm['VmId']} has no volume at {device} (it has "
                             f"{', '.join(sorted(attached)) or 'none'}); check the "
                             "device_name of that bsu_volumes block")
        tagging.apply(state.api, [attached[device]], tagging.render(volume["tags"], info))
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
                            lambda v=volume_id: delete_volume(client, v, unlink=True),
                            keep_on_success=True, region=client.region,
                            on_keep=tagging.unmark_temporary(client, [volume_id]))
        client.call("UnlinkVolume", VolumeId=volume_id)
    for volume_id in state.volumes.values():
        wait(ctx, lambda v=volume_id: read_one(_read_volumes(client, [v])),
             wanted={"available"}, failed={"error", "deleting"}, kind="volume",
             describe=f"volume {volume_id}")


def terminate_vm(ctx: BuildContext, state: VolumeBuildState) -> None:
    """Delete the VM now, with its scratch volumes; the detached volumes stay."""
    from osc_build_outscale.cloud.vm import terminate

    vm_id = state.vm["VmId"]
    ctx.ui.say(f"Terminating VM {vm_id}...")
    terminate(state.api, vm_id, keep_volumes=tuple(state.volumes.values()))
    ctx.resources.forget(vm_id)


def delete_volume(client: OscClient, volume_id: str, *, unlink: bool = False) -> None:
    """Delete a volume; a volume already gone is fine.

    With ``unlink`` (undoing a build) a volume still linked is unlinked first;
    without it (destroying an artifact) a linked volume is an error: someone uses it.
    """
    volume = _read_volumes(client, [volume_id])
    link = ((volume[0].get("LinkedVolumes") or [{}])[0] if volume else {})
    if link.get("State") == "attached":
        if not unlink:
            raise BuildError(f"volume {volume_id} is linked to VM {link.get('VmId')}; unlink "
                             "it (UnlinkVolume) before destroying the artifact")
        try:
            client.call("UnlinkVolume", VolumeId=volume_id)
        except CloudError as err:  # it may have finished detaching meanwhile
            log.debug("unlinking volume %s before deleting it: %s", volume_id, err)
    state = wait_for(lambda: read_one(_read_volumes(client, [volume_id])) or "gone",
                     wanted={"available", "error", "gone"}, timeout=CLEANUP_WAIT,
                     describe=f"volume {volume_id}")
    if state != "gone":
        client.call("DeleteVolume", VolumeId=volume_id)


def _read_volumes(client: OscClient, volume_ids: list[str]) -> list[dict]:
    return client.call("ReadVolumes", Filters={"VolumeIds": volume_ids}).get("Volumes") or []
