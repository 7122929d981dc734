"""Read one resource by its id, whatever its kind: one helper, not one per step module."""

from __future__ import annotations

from typing import Any

from osc_build_outscale.client import OscClient

# Per kind: the Read call, the filter that takes ids, and the answer's list.
READS = {
    "vm": ("ReadVms", "VmIds", "Vms"),
    "volume": ("ReadVolumes", "VolumeIds", "Volumes"),
    "snapshot": ("ReadSnapshots", "SnapshotIds", "Snapshots"),
    "image": ("ReadImages", "ImageIds", "Images"),
    "public IP": ("ReadPublicIps", "PublicIpIds", "PublicIps"),
}


def read_by_id(client: OscClient, kind: str, resource_id: str) -> dict[str, Any] | None:
    """The resource as the API lists it; None while it is not listed (or once deleted)."""
    operation, filter_name, key = READS[kind]
    found = client.call(operation, Filters={filter_name: [resource_id]}).get(key) or []
    return found[0] if found else None


def state_of(client: OscClient, kind: str, resource_id: str) -> str | None:
    """The resource's ``State``; None while it is not listed: a ``read_state`` for waits."""
    resource = read_by_id(client, kind, resource_id)
    return resource.get("State") if resource else None
