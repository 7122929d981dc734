"""A source OMI of another account is copied into this one first, as the Go plugin does:
the volume is made from a snapshot this account owns.

The copy lives only until the volume exists: then the copy OMI and its root
snapshot are deleted, and its other snapshots (which the new OMI's other
devices use) become part of the artifact.
"""

from __future__ import annotations

import logging

from osc_build.context import BuildContext
from osc_build.template.legacy import clean_resource_name
from osc_build_chroot.state import ChrootBuildState
from osc_build_outscale.cloud import images
from osc_build_outscale.cloud import tags as tagging

log = logging.getLogger(__name__)


def copy_foreign_source(ctx: BuildContext, state: ChrootBuildState) -> None:
    source = state.source_image
    if not source or source.get("AccountId") in (None, "", state.account_id):
        return
    client = state.api
    name = clean_resource_name(f"{source.get('ImageName', 'source')}-osc-build-copy-"
                               f"{ctx.run_id}")[:128]
    ctx.ui.say(f"Copying source OMI {source['ImageId']} of account {source['AccountId']} "
               "into this account...")
    image = client.call("CreateImage", SourceImageId=source["ImageId"],
                        SourceRegionName=state.region, ImageName=name,
                        Description=f"osc-build: temporary copy of {source['ImageId']}")["Image"]
    copy_id = image["ImageId"]
    ctx.resources.track("OMI copy", copy_id,
                        lambda: images.delete_image(client, copy_id, delete_snapshots=True),
                        region=state.region)
    tagging.mark_temporary(ctx, client, [copy_id], **{tagging.OWN_SNAPSHOTS_TAG: "true"})
    state.source_copy = images.wait_available(ctx, client, copy_id)
    ctx.ui.message(f"copy {copy_id} is available")


def drop_copy(ctx: BuildContext, state: ChrootBuildState, root_snapshot: str) -> None:
    """Once the volume exists: delete the copy and its root snapshot, adopt the others."""
    copy = state.source_copy
    if copy is None:
        return
    client = state.api
    others = [s for s in images.snapshot_ids(copy) if s != root_snapshot]
    for snapshot_id in others:  # the new OMI's other devices: kept with it, else deleted
        ctx.resources.track("snapshot", snapshot_id,
                            lambda s=snapshot_id: client.call("DeleteSnapshot", SnapshotId=s),
                            keep_on_success=True, region=state.region)
    client.call("DeleteImage", ImageId=copy["ImageId"])
    client.call("DeleteSnapshot", SnapshotId=root_snapshot)
    ctx.resources.forget(copy["ImageId"])
    state.adopted_snapshots = others
    log.info("deleted the temporary copy %s", copy["ImageId"])
