"""Steps of the volume that becomes the OMI's root: device, create, link, snapshot, register."""

from __future__ import annotations

import logging
from typing import Any

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_chroot import devices
from osc_build_chroot.source_copy import drop_copy
from osc_build_chroot.state import ChrootBuildState
from osc_build_outscale.cloud import images, intents, volume_lifecycle
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.reads import state_of
from osc_build_outscale.cloud.waits import wait

log = logging.getLogger(__name__)


def lock_devices(ctx: BuildContext, state: ChrootBuildState) -> None:
    """Hold the device lock until the linked volume's node exists."""
    lock = devices.DeviceLock()
    lock.acquire(ctx)
    state.lock = lock
    ctx.resources.track("device lock", str(lock.path), lock.release)


def release_lock(ctx: BuildContext, state: ChrootBuildState) -> None:
    if state.lock is not None:
        state.lock.release()
        ctx.resources.forget(str(state.lock.path))
        state.lock = None


def choose_device(ctx: BuildContext, state: ChrootBuildState) -> None:
    taken = {m.get("DeviceName") for m in (state.host_vm or {}).get("BlockDeviceMappings") or []}
    if ctx.config.device_path:
        device = devices.api_name(ctx.config.device_path)
        if device in taken or devices.is_block_device(device):
            raise BuildError(f"device_path {device} is in use on this machine; choose a free "
                             "one or leave device_path unset")
    else:
        device = devices.free_device(taken)
    state.device = device
    state.mount_device = ctx.config.nvme_device_path or ""
    ctx.ui.message(f"the volume will be linked at {device}")


def create_volume(ctx: BuildContext, state: ChrootBuildState) -> None:
    """An empty volume (from_scratch) or one from the source OMI's root snapshot."""
    config = ctx.config
    size, volume_type = config.root_volume_size, config.root_volume_type
    snapshot_id = iops = None
    if config.from_scratch:
        volume_type = volume_type or "gp2"
    else:
        root = _source_root(state)
        bsu = root.get("Bsu") or {}
        snapshot_id = bsu.get("SnapshotId")
        if not snapshot_id:
            raise BuildError(f"the root device {root.get('DeviceName')} of source OMI "
                             f"{state.source_image['ImageId']} has no snapshot; choose another "
                             "source OMI")
        size = max(size or 0, bsu.get("VolumeSize") or 0) or None
        source_type = bsu.get("VolumeType")
        if volume_type == "io1" and source_type != "io1":
            raise BuildError(f"root_volume_type = \"io1\" needs iops, which only an io1 source "
                             f"gives (the source's root is {source_type}); use gp2 or standard")
        if volume_type is None or volume_type == source_type:
            volume_type, iops = source_type, bsu.get("Iops")
    tags = tagging.render(config.root_volume_tags or {}, state.build_info())
    what = "an empty volume" if config.from_scratch else f"a volume from {snapshot_id}"
    ctx.ui.say(f"Creating {what} ({size or 'snapshot size'} GiB, "
               f"{volume_type or 'default type'}) in {state.subregion_name}...")
    state.volume_id = volume_lifecycle.create_volume(
        ctx, state.api, subregion=state.subregion_name, size=size, volume_type=volume_type,
        snapshot_id=snapshot_id, iops=iops, tags=tags)
    if snapshot_id:
        drop_copy(ctx, state, snapshot_id)


def link_volume(ctx: BuildContext, state: ChrootBuildState) -> None:
    """Link the volume to this VM and wait until its node exists here; then unlock."""
    vm_id = state.host_vm["VmId"]
    ctx.ui.say(f"Linking {state.volume_id} to {vm_id} at {state.device}...")
    volume_lifecycle.link_volume(ctx, state.api, state.volume_id, vm_id, state.device)
    node = state.device_node
    devices.wait_for_node(ctx, node, timeout=ctx.config.device_wait_timeout,
                          why=f"volume {state.volume_id} linked at {state.device}")
    ctx.ui.message(f"{node} is ready")
    release_lock(ctx, state)


def snapshot(ctx: BuildContext, state: ChrootBuildState) -> None:
    ctx.ui.say(f"Snapshotting {state.volume_id}...")
    client = state.api
    snapshot_id = client.call("CreateSnapshot", VolumeId=state.volume_id,
                              Description=f"osc-build: root of {ctx.config.omi_name}",
                              ClientToken=intents.client_token(ctx, client, "snapshot")
                              )["Snapshot"]["SnapshotId"]
    ctx.resources.track("snapshot", snapshot_id,
                        lambda: client.call("DeleteSnapshot", SnapshotId=snapshot_id),
                        keep_on_success=True, region=client.region,
                        on_keep=tagging.unmark_temporary(client, [snapshot_id]))
    tagging.mark_temporary(ctx, client, [snapshot_id])
    wait(ctx, lambda: state_of(client, "snapshot", snapshot_id), wanted={"completed"},
         failed={"error"}, kind="snapshot", describe=f"snapshot {snapshot_id}")
    state.snapshot_id = snapshot_id
    state.snapshots = {state.region: [state.snapshot_id]}
    ctx.ui.message(f"snapshot {state.snapshot_id} completed")


def register_omi(ctx: BuildContext, state: ChrootBuildState) -> None:
    """Register the OMI from the snapshot: the source's devices (or the given ones)."""
    config = ctx.config
    mappings, root_name, architecture = _mappings(ctx, state)
    ctx.ui.say(f"Registering OMI {config.omi_name!r}...")
    intents.image_intent(ctx, state.api, config.omi_name, snapshots=[state.snapshot_id])
    image = state.api.call(
        "CreateImage", ImageName=config.omi_name, RootDeviceName=root_name,
        BlockDeviceMappings=mappings, Architecture=architecture,
        Description=images.omi_description(ctx, state), ProductCodes=images.product_codes(config),
        BootModes=config.omi_boot_modes or None)["Image"]
    client = state.api
    ctx.resources.track("OMI", image["ImageId"],
                        lambda: client.call("DeleteImage", ImageId=image["ImageId"]),
                        keep_on_success=True, region=state.region,
                        on_keep=tagging.unmark_temporary(client, [image["ImageId"]]))
    tagging.mark_temporary(ctx, client, [image["ImageId"]])
    image = images.wait_available(ctx, state.api, image["ImageId"])
    state.images = {state.region: image["ImageId"]}
    state.snapshots = {state.region: [state.snapshot_id, *state.adopted_snapshots]}
    ctx.ui.message(f"OMI {image['ImageId']} is available")


def _mappings(ctx: BuildContext, state: ChrootBuildState) -> tuple[list[dict], str, str]:
    config = ctx.config
    size = config.root_volume_size
    if config.from_scratch:
        root_name, architecture = config.root_device_name, "x86_64"
        found: dict[str, dict[str, Any]] = {}
    else:
        source = state.source_copy or state.source_image
        root_name = source.get("RootDeviceName") or _source_root(state)["DeviceName"]
        architecture = source.get("Architecture") or "x86_64"
        found = {m["DeviceName"]: _copy_mapping(m) for m in source.get("BlockDeviceMappings")
                 or [] if m.get("DeviceName")}
    for device in config.omi_block_device_mappings or []:
        found[device.device_name] = {"DeviceName": device.device_name,
                                     "Bsu": images.bsu_of(device)}
    root = found.setdefault(root_name, {"DeviceName": root_name, "Bsu": {}})
    bsu = root.setdefault("Bsu", {})
    bsu["SnapshotId"] = state.snapshot_id
    if size and (config.from_scratch or size > (bsu.get("VolumeSize") or 0)):
        bsu["VolumeSize"] = size
    if config.root_volume_type and not config.from_scratch:
        bsu["VolumeType"] = config.root_volume_type
        if bsu["VolumeType"] != "io1":
            bsu.pop("Iops", None)
    return list(found.values()), root_name, architecture


def _copy_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    """A source OMI's mapping as CreateImage accepts it (no read-only fields)."""
    out: dict[str, Any] = {"DeviceName": mapping["DeviceName"]}
    if mapping.get("VirtualDeviceName"):
        out["VirtualDeviceName"] = mapping["VirtualDeviceName"]
    bsu = mapping.get("Bsu")
    if bsu:
        out["Bsu"] = {k: v for k, v in bsu.items()
                      if k in ("DeleteOnVmDeletion", "Iops", "SnapshotId", "VolumeSize",
                               "VolumeType")}
    return out


def _source_root(state: ChrootBuildState) -> dict[str, Any]:
    source = state.source_copy or state.source_image or {}
    root_name = source.get("RootDeviceName")
    for mapping in source.get("BlockDeviceMappings") or []:
        if mapping.get("DeviceName") == root_name:
            return mapping
    raise BuildError(f"source OMI {source.get('ImageId')} has no mapping for its root device "
                     f"{root_name}; choose another source OMI")
