"""Find what osc-build runs left in one Region: resources tagged temporary by a build.

Only the ``osc-build:temporary = true`` tag counts, never a name: a resource
someone named ``osc-build-...`` by hand is not ours. Artifacts lose that tag
when their build succeeds, so a kept OMI is never listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import tags as tagging

# ReadTags' ResourceType -> (our kind, read operation, answer key, id filter, id field)
READERS = {
    "vm": ("VM", "ReadVms", "Vms", "VmIds", "VmId"),
    "volume": ("volume", "ReadVolumes", "Volumes", "VolumeIds", "VolumeId"),
    "snapshot": ("snapshot", "ReadSnapshots", "Snapshots", "SnapshotIds", "SnapshotId"),
    "image": ("OMI", "ReadImages", "Images", "ImageIds", "ImageId"),
    "keypair": ("keypair", "ReadKeypairs", "Keypairs", "KeypairIds", "KeypairId"),
    "security-group": ("security group", "ReadSecurityGroups", "SecurityGroups",
                       "SecurityGroupIds", "SecurityGroupId"),
    "public-ip": ("public IP", "ReadPublicIps", "PublicIps", "PublicIpIds", "PublicIpId"),
}
GONE = {"terminated", "deleting", "deleted"}  # on their way out already


@dataclass
class Leftover:
    """One temporary resource still alive, with what its tags say about its run."""

    kind: str
    id: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)
    details: dict = field(default_factory=dict, repr=False)  # the Read* answer's item

    @property
    def run_id(self) -> str:
        return self.tags.get(tagging.RUN_ID_TAG, "")

    @property
    def created(self) -> datetime | None:
        return self._time(tagging.CREATED_TAG)

    @property
    def heartbeat(self) -> datetime | None:
        return self._time(tagging.HEARTBEAT_TAG)

    def _time(self, key: str) -> datetime | None:
        try:
            return datetime.strptime(self.tags[key], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except (KeyError, ValueError):
            return None


def find(client: OscClient) -> list[Leftover]:
    """Every resource of this Region (and account) tagged temporary by an osc-build run."""
    marked = client.paginate("ReadTags", "Tags", Filters={
        "Keys": [tagging.TEMPORARY_TAG], "Values": ["true"]})
    ids_by_type: dict[str, list[str]] = {}
    for tag in marked:
        if tag.get("ResourceType") in READERS:
            ids_by_type.setdefault(tag["ResourceType"], []).append(tag["ResourceId"])
    found = []
    for resource_type, ids in ids_by_type.items():
        kind, operation, key, id_filter, id_field = READERS[resource_type]
        for item in client.paginate(operation, key, Filters={id_filter: ids}):
            if item.get("State") in GONE:
                continue
            tags = {t["Key"]: t["Value"] for t in item.get("Tags") or []}
            if tags.get(tagging.TEMPORARY_TAG) != "true":
                continue
            ident = item["KeypairName"] if resource_type == "keypair" else item[id_field]
            found.append(Leftover(kind, ident, client.region, tags, item))
    return found + own_snapshots(found)


def own_snapshots(found: list[Leftover]) -> list[Leftover]:
    """The snapshots the cloud made for an OMI made from a VM: untagged, but the OMI's."""
    listed = {item.id for item in found}
    extra = []
    for image in found:
        if image.kind != "OMI" or image.tags.get(tagging.OWN_SNAPSHOTS_TAG) != "true":
            continue
        for mapping in image.details.get("BlockDeviceMappings") or []:
            snapshot_id = (mapping.get("Bsu") or {}).get("SnapshotId")
            if snapshot_id and snapshot_id not in listed:
                listed.add(snapshot_id)
                extra.append(Leftover("snapshot", snapshot_id, image.region, image.tags))
    return extra
