"""Delete leftovers in dependency order, with the build cleanup's retries and report.

The undo log of a build does the work: tracked in the reverse of the order
they must go (public IPs unlinked first, VMs before their volumes, OMIs
before their snapshots, security groups and keypairs last), then unwound.
"""

from __future__ import annotations

from collections.abc import Callable

from osc_build.resources import Leak, ResourceLog, TrackedResource
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.leftovers.find import Leftover

ORDER = ("mount", "public IP", "VM", "OMI", "volume", "snapshot", "security group", "keypair",
         "exported objects", "OOS bucket")


def delete_all(items: list[tuple[OscClient, Leftover]]) -> tuple[list[TrackedResource],
                                                                 list[Leak]]:
    """Delete every item; return what was deleted and what could not be."""
    log = ResourceLog()
    for client, item in sorted(items, key=lambda pair: ORDER.index(pair[1].kind),
                               reverse=True):
        log.track(item.kind, item.id, deleter(client, item), region=item.region)
    log.unwind(succeeded=False)
    return log.deleted, log.leaked


def deleter(client: OscClient, item: Leftover) -> Callable[[], object]:
    from osc_build_outscale.cloud import images, public_ip, vm
    from osc_build_outscale.cloud.device_snapshots import delete_snapshot

    if item.kind == "mount":  # on this machine, before its volume is unlinked
        from osc_build_outscale.leftovers.mounts import unmount

        return lambda: unmount(item.id)
    if item.kind in ("OOS bucket", "exported objects"):
        from osc_build_outscale.leftovers import oos_find

        return lambda: oos_find.delete(client, item)
    if item.kind == "VM":
        return lambda: vm.terminate(client, item.id)
    if item.kind == "volume":
        return lambda: _delete_volume(client, item.id)
    if item.kind == "OMI":
        own = item.tags.get(tagging.OWN_SNAPSHOTS_TAG) == "true"
        return lambda: images.delete_image(client, item.id, delete_snapshots=own)
    if item.kind == "snapshot":
        return lambda: delete_snapshot(client, item.id)
    if item.kind == "public IP":
        return lambda: public_ip._release(client, item.id)
    if item.kind == "security group":
        return lambda: client.call("DeleteSecurityGroup", SecurityGroupId=item.id)
    return lambda: client.call("DeleteKeypair", KeypairName=item.id)


def _delete_volume(client: OscClient, volume_id: str) -> None:
    """A volume its VM's deletion took along (deleting, or gone) is done: never wait on it."""
    from osc_build_outscale.cloud import volume_lifecycle
    from osc_build_outscale.cloud.reads import read_by_id

    volume = read_by_id(client, "volume", volume_id)
    if volume is None or volume.get("State") in ("deleting", "deleted"):
        return
    volume_lifecycle.delete_volume(client, volume_id)
