"""A volume's life: create it, link it to a VM, unlink it, delete it, waiting on each change.

Shared by the builders that work on volumes directly (chroot; bsuvolume deletes
its kept volumes with it; a terminated VM's volumes are deleted with it). Each
function tracks what it makes in the undo log the moment the API returns an id.
"""

from __future__ import annotations

import logging

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud.reads import read_by_id, state_of
from osc_build_outscale.cloud.waits import GONE, is_not_found, wait, wait_cleanup
from osc_build_outscale.errors import CloudError

log = logging.getLogger(__name__)


def create_volume(ctx: BuildContext, client: OscClient, *, subregion: str, size: int | None,
                  volume_type: str | None = None, snapshot_id: str | None = None,
                  iops: int | None = None, tags: dict[str, str] | None = None) -> str:
    """Create a volume, track it (deleted on failure and after success), wait available."""
    from osc_build_outscale.cloud import heartbeat, intents
    from osc_build_outscale.cloud import tags as tagging

    volume = client.call("CreateVolume", SubregionName=subregion, Size=size,
                         VolumeType=volume_type, SnapshotId=snapshot_id,
                         Iops=iops if volume_type == "io1" else None,
                         ClientToken=intents.client_token(ctx, client, "volume"))["Volume"]
    volume_id = volume["VolumeId"]
    ctx.resources.track("volume", volume_id, lambda: delete_volume(client, volume_id),
                        region=client.region)
    tagging.apply(client, [volume_id], {**(tags or {}), **tagging.temporary_tags(ctx)})
    heartbeat.beat_on(ctx, client, [volume_id], tagging.beat)
    wait(ctx, lambda: state_of(client, "volume", volume_id), wanted={"available"},
         failed={"error", "deleting"}, kind="volume", describe=f"volume {volume_id}")
    return volume_id


def link_volume(ctx: BuildContext, client: OscClient, volume_id: str, vm_id: str,
                device: str) -> None:
    """Link, track the unlink, and wait until the link is ``attached``."""
    client.call("LinkVolume", VolumeId=volume_id, VmId=vm_id, DeviceName=device)
    ctx.resources.track("volume link", f"{volume_id}@{vm_id}",
                        lambda: unlink_volume(client, volume_id), region=client.region)
    wait(ctx, lambda: link_state(client, volume_id), wanted={"attached"},
         failed={"error"}, kind="volume", describe=f"link of volume {volume_id} to {vm_id}")


def link_state(client: OscClient, volume_id: str) -> str | None:
    """The state of the volume's link; None while a read does not show the link yet."""
    volume = read_by_id(client, "volume", volume_id)
    if volume is None:
        return None
    if volume.get("State") == "error":
        return "error"
    links = volume.get("LinkedVolumes") or []
    return links[0].get("State") if links else None


def unlink_volume(client: OscClient, volume_id: str) -> None:
    """Unlink a volume (if linked) and wait until it is available again (or gone)."""
    volume = read_by_id(client, "volume", volume_id)
    if volume is None:
        return
    if volume.get("LinkedVolumes"):
        try:
            client.call("UnlinkVolume", VolumeId=volume_id)
        except CloudError as err:  # it may have been unlinked, or deleted, meanwhile
            log.debug("unlinking volume %s: %s", volume_id, err)
    wait_cleanup(lambda: state_of(client, "volume", volume_id), wanted={"available"},
                 failed={"error"}, kind="volume", describe=f"volume {volume_id}")


def delete_volume(client: OscClient, volume_id: str, *, unlink: bool = True) -> None:
    """Delete a volume; a volume already gone is fine.

    A linked volume is unlinked first (undoing a build); with ``unlink=False``
    (destroying an artifact) a volume still attached is an error: someone uses it.
    """
    volume = read_by_id(client, "volume", volume_id)
    if volume is None:
        return
    links = volume.get("LinkedVolumes") or []
    if links and links[0].get("State") == "attached" and not unlink:
        raise BuildError(f"volume {volume_id} is linked to VM {links[0].get('VmId')}; unlink "
                         "it (UnlinkVolume) before destroying the artifact")
    if links or volume.get("State") == "in-use":
        unlink_volume(client, volume_id)
    delete_released_volume(client, volume_id)


def delete_released_volume(client: OscClient, volume_id: str) -> None:
    """Delete a volume once nothing holds it (available); one gone meanwhile is fine.

    A VM's volumes are released when it terminates, or deleted with it: a read
    may still show them linked for a moment, or ``deleting``, then not at all.
    """
    state = wait_cleanup(lambda: state_of(client, "volume", volume_id),
                         wanted={"available", "error"}, kind="volume",
                         describe=f"volume {volume_id}")
    if state != GONE:
        _delete_unless_gone(client, volume_id)


def _delete_unless_gone(client: OscClient, volume_id: str) -> None:
    """DeleteVolume; a volume deleted meanwhile (with its VM) is fine."""
    try:
        client.call("DeleteVolume", VolumeId=volume_id)
    except CloudError as err:
        if not is_not_found(err):
            raise
        log.debug("volume %s: already gone (%s)", volume_id, err)
