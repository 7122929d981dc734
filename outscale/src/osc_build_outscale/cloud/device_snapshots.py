"""Snapshots of a build VM's volumes, and OMIs registered from snapshots.

Builders that assemble an image on extra volumes (bsusurrogate, and any
builder that makes a root filesystem itself) snapshot those volumes and
register the OMI from the snapshots instead of from the VM.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import images, intents
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.reads import read_by_id, state_of
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_outscale.cloud.waits import wait

log = logging.getLogger(__name__)


def volumes_by_device(vm: dict) -> dict[str, str]:
    """Device name -> volume id of the VM's BSU volumes."""
    return {m["DeviceName"]: m["Bsu"]["VolumeId"] for m in vm.get("BlockDeviceMappings") or []
            if (m.get("Bsu") or {}).get("VolumeId")}


def snapshot_devices(ctx: BuildContext, client: OscClient, vm: dict,
                     device_names: Sequence[str]) -> dict[str, str]:
    """Snapshot the VM's volumes at ``device_names``; return device name -> snapshot id.

    Every snapshot is started before any is waited for, so they are taken in
    parallel. Each one is deleted if the build fails (the caller marks them
    kept once an OMI uses them).
    """
    volumes = volumes_by_device(vm)
    missing = [name for name in device_names if name not in volumes]
    if missing:
        raise BuildError(f"VM {vm['VmId']} has no volume at {', '.join(missing)} (it has "
                         f"{', '.join(sorted(volumes)) or 'none'}); check the device names "
                         "of launch_block_device_mappings")
    snapshots: dict[str, str] = {}
    for name in device_names:
        snapshot = client.call("CreateSnapshot", VolumeId=volumes[name],
                               Description=f"osc-build: {name} of {vm['VmId']}",
                               ClientToken=intents.client_token(ctx, client, "snapshot")
                               )["Snapshot"]
        snapshot_id = snapshot["SnapshotId"]
        ctx.resources.track("snapshot", snapshot_id,
                            lambda s=snapshot_id: delete_snapshot(client, s),
                            region=client.region,
                            on_keep=tagging.unmark_temporary(client, [snapshot_id]))
        tagging.mark_temporary(ctx, client, [snapshot_id])
        ctx.ui.message(f"snapshot {snapshot_id} of {name} ({volumes[name]}) started")
        snapshots[name] = snapshot_id
    for name, snapshot_id in snapshots.items():
        wait(ctx, lambda s=snapshot_id: state_of(client, "snapshot", s), wanted={"completed"},
             failed={"error"}, kind="snapshot", describe=f"snapshot {snapshot_id} of {name}")
    return snapshots


def delete_snapshot(client: OscClient, snapshot_id: str) -> None:
    """Delete a snapshot if it still exists (an OMI's cleanup may have deleted it)."""
    if read_by_id(client, "snapshot", snapshot_id):
        client.call("DeleteSnapshot", SnapshotId=snapshot_id)


def register_from_snapshots(ctx: BuildContext, state: VmBuildState, *, root_device_name: str,
                            mappings: list[dict]) -> dict:
    """Register the OMI from ``mappings`` (OAPI BlockDeviceMappings), wait until available.

    On failure the OMI is deleted but not its snapshots: they are tracked by
    whoever made them, and some may be the user's own (``snapshot_id``).
    """
    config = ctx.config
    ctx.ui.say(f"Registering OMI {config.omi_name!r} with root device {root_device_name}...")
    client = state.api
    intents.image_intent(ctx, client, config.omi_name, snapshots=[
        (m.get("Bsu") or {}).get("SnapshotId") for m in mappings
        if (m.get("Bsu") or {}).get("SnapshotId")])
    image = client.call(
        "CreateImage", ImageName=config.omi_name, RootDeviceName=root_device_name,
        BlockDeviceMappings=mappings, Description=images.omi_description(ctx, state),
        ProductCodes=images.product_codes(config),
        BootModes=config.omi_boot_modes or None)["Image"]
    image_id = image["ImageId"]
    ctx.resources.track("OMI", image_id,
                        lambda: images.delete_image(client, image_id, delete_snapshots=False),
                        keep_on_success=True, region=client.region,
                        on_keep=tagging.unmark_temporary(client, [image_id]))
    tagging.mark_temporary(ctx, client, [image_id])
    image = images.wait_available(ctx, client, image_id)
    state.images = {state.region: image_id}
    state.snapshots = {state.region: images.snapshot_ids(image)}
    ctx.ui.message(f"OMI {image_id} is available")
    return image
