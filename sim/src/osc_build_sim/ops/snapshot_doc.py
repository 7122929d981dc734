"""A new snapshot's document: what CreateSnapshot, image copies and imports all start from."""

from __future__ import annotations

from ..engine import new_id, now_iso
from . import Ctx
from .common import base_doc


def new_snapshot(ctx: Ctx, volume_id: str, size: int, description: str) -> dict:
    ident = new_id("snap")
    return {**base_doc(ctx, "snapshot", ident), "SnapshotId": ident, "State": "in-queue",
            "Progress": 0, "VolumeId": volume_id, "VolumeSize": size,
            "Description": description, "CreationDate": now_iso(),
            "AccountId": ctx.account_id,
            "PermissionsToCreateVolume": {"AccountIds": [], "GlobalPermission": False},
            "Tags": []}
