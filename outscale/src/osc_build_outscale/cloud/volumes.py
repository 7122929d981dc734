"""Volumes: create one, link it to a VM and unlink it, waiting on each change.

Shared by the builders that work on volumes directly (chroot; bsuvolume and
the surrogate could reuse them). Each function tracks what it makes in the undo
log the moment the API returns an id.
"""

from __future__ import annotations

import logging
from typing import Any

from osc_build.context import BuildContext
from osc_build_outscale.client import OscClient, wait_for
from osc_build_outscale.cloud.waits import read_one, wait

log = logging.getLogger(__name__)

CLEANUP_WAIT = 10 * 60


def read_volume(client: OscClient, volume_id: str) -> dict[str, Any] | None:
    volumes = client.call("ReadVolumes", Filters={"VolumeIds": [volume_id]}).get("Volumes")
    return volumes[0] if volumes else None


def create_volume(ctx: BuildContext, client: OscClient, *, subregion: str, size: int | None,
                  volume_type: str | None = None, snapshot_id: str | None = None,
                  iops: int | None = None, tags: dict[str, str] | None = None) -> str:
    """Create a volume, track it (deleted on failure and after success), wait available."""
    from osc_build_outscale.cloud import tags as tagging

    volume = client.call("CreateVolume", SubregionName=subregion, Size=size,
                         VolumeType=volume_type, SnapshotId=snapshot_id,
                         Iops=iops if volume_type == "io1" else None)["Volume"]
    volume_id = volume["VolumeId"]
    ctx.resources.track("volume", volume_id, lambda: delete_volume(client, volume_id),
                        region=client.region)
    tagging.apply(client, [volume_id], {**(tags or {}), **tagging.temporary_tags(ctx)})
    wait(ctx, lambda: read_one(_listed(client, volume_id)), wanted={"available"},
         failed={"error", "deleting"}, kind="volume", describe=f"volume {volume_id}")
    return volume_id


def link_volume(ctx: BuildContext, client: OscClient, volume_id: str, vm_id: str,
                device: str) -> None:
    """Link, track the unlink, and wait until the link is ``attached``."""
    client.call("LinkVolume", VolumeId=volume_id, VmId=vm_id, DeviceName=device)
    ctx.resources.track("volume link", f"{volume_id}@{vm_id}",
                        lambda: unlink_volume(client, volume_id), region=client.region)
    wait(ctx, lambda: link_state(client, volume_id), wanted={"attached"},
         failed={"error", "detached"}, kind="volume",
         describe=f"link of volume {volume_id} to {vm_id}")


def link_state(client: OscClient, volume_id: str) -> str | None:
    volume = read_volume(client, volume_id)
    if volume is None:
        return None
    if volume.get("State") == "error":
        return "error"
    links = volume.get("LinkedVolumes") or []
    return links[0].get("State") if links else "detached"


def unlink_volume(client: OscClient, volume_id: str) -> None:
    """Unlink a volume (if linked) and wait until it is available again."""
    volume = read_volume(client, volume_id)
    if volume is None:
        return
    if volume.get("LinkedVolumes"):
        client.call("UnlinkVolume", VolumeId=volume_id)
    wait_for(lambda: read_one(_listed(client, volume_id)), wanted={"available"},
             failed={"error"}, timeout=CLEANUP_WAIT, describe=f"volume {volume_id}")


def delete_volume(client: OscClient, volume_id: str) -> None:
    """Delete a volume, unlinking it first if needed; a volume already gone is fine."""
    volume = read_volume(client, volume_id)
    if volume is None:
        return
    if volume.get("LinkedVolumes") or volume.get("State") == "in-use":
        unlink_volume(client, volume_id)
    else:
        wait_for(lambda: read_one(_listed(client, volume_id)), wanted={"available"},
                 failed={"error"}, timeout=CLEANUP_WAIT, describe=f"volume {volume_id}")
    client.call("DeleteVolume", VolumeId=volume_id)


def _listed(client: OscClient, volume_id: str) -> list[dict]:
    volume = read_volume(client, volume_id)
    return [volume] if volume else []
