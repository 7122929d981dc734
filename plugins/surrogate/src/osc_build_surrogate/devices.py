"""The OMI's block devices, made of the surrogate's snapshots.

Unlike the Go plugin, every field of ``omi_root_device`` reaches the image
(size, type, iops, delete_on_vm_deletion) and the order is stable: the root
first, then the template's order.
"""

from __future__ import annotations

from typing import Any

from osc_build_outscale.cloud.images import bsu_of


def snapshotted_devices(config: Any) -> list[str]:
    """The launch devices to snapshot: every one that is not suppressed (no_device)."""
    return [d.device_name for d in config.launch_block_device_mappings or []
            if not d.no_device]


def omi_mappings(config: Any, snapshots: dict[str, str]) -> list[dict[str, Any]]:
    """OAPI BlockDeviceMappings: the root, the other snapshots, then omi_block_device_mappings.

    A snapshotted launch device replaces an omi_block_device_mappings entry of
    the same name, as in the Go plugin.
    """
    root = config.omi_root_device
    launch = {d.device_name: d for d in config.launch_block_device_mappings or []}
    mappings: dict[str, dict[str, Any]] = {}
    for name, snapshot_id in snapshots.items():
        bsu = {**bsu_of(launch[name]), "SnapshotId": snapshot_id}
        if name == root.source_device_name:
            name, bsu = root.device_name, root_bsu(bsu, root)
        mappings[name] = {"DeviceName": name, "Bsu": bsu}
    for device in config.omi_block_device_mappings or []:
        mappings.setdefault(device.device_name, {"DeviceName": device.device_name,
                                                  "Bsu": bsu_of(device)})
    ordered = [mappings.pop(root.device_name)]
    return ordered + list(mappings.values())


def root_bsu(launch_bsu: dict[str, Any], root: Any) -> dict[str, Any]:
    """The launch device's Bsu with what omi_root_device sets; iops only stays for io1."""
    bsu = dict(launch_bsu)
    for key, api_key in (("volume_type", "VolumeType"), ("volume_size", "VolumeSize"),
                         ("iops", "Iops"), ("delete_on_vm_deletion", "DeleteOnVmDeletion")):
        if getattr(root, key) is not None:
            bsu[api_key] = getattr(root, key)
    if bsu.get("VolumeType") != "io1":
        bsu.pop("Iops", None)
    return bsu
