"""OMIs: from a VM, from snapshots, or copies; pending -> available or failed."""

from __future__ import annotations

import re

from .. import filters
from ..engine import new_id, now_iso
from ..errors import ApiError, bad_state, conflict, invalid, missing_set, not_found
from ..store import Tx, public
from . import Ctx, operation
from .common import base_doc, get_owned, permissions, shared_with
from .snapshot_doc import new_snapshot
from .snapshots import copy_work, fail_snapshot, find_snapshot, finish_snapshot

_NAME_RE = re.compile(r"^[A-Za-z0-9_ ()/.\-]{3,128}$")


def visible_images(ctx: Ctx, tx: Tx, region: str | None = None) -> list[dict]:
    return [d for d in tx.list("image", region or ctx.region)
            if shared_with(d, "PermissionsToLaunch", ctx.account_id)]


def find_image(ctx: Ctx, tx: Tx, ident: str, region: str | None = None) -> dict:
    doc = tx.get("image", ident)
    if (doc is None or doc["_region"] != (region or ctx.region)
            or not shared_with(doc, "PermissionsToLaunch", ctx.account_id)):
        raise not_found(5023, "OMI", ident)
    return doc


def _new_image(ctx: Ctx, tx: Tx, body: dict, name: str, **fields) -> dict:
    if not _NAME_RE.match(name):
        raise ApiError(400, 4026, f"ImageName {name!r} must be 3-128 letters, digits, spaces, "
                                  "or _ ( ) / . -")
    if any(d["ImageName"] == name for d in tx.list("image", ctx.region)
           if d["_owner"] == ctx.account_id):
        raise conflict(9015, f"An OMI named {name!r} already exists in this account.")
    ident = new_id("ami")
    doc = {**base_doc(ctx, "image", ident), "ImageId": ident, "ImageName": name,
           "Description": body.get("Description", ""), "State": "pending", "StateComment": {},
           "AccountId": ctx.account_id, "Architecture": body.get("Architecture", "x86_64"),
           "BlockDeviceMappings": [], "BootModes": body.get("BootModes", ["legacy"]),
           "CreationDate": now_iso(), "FileLocation": "", "ImageType": "machine",
           "PermissionsToLaunch": {"AccountIds": [], "GlobalPermission": False},
           "ProductCodes": body.get("ProductCodes", ["0001"]), "RootDeviceName": "/dev/sda1",
           "RootDeviceType": "bsu", "SecureBoot": False, "Tags": [],
           "TpmMandatory": body.get("TpmMandatory", False)}
    if ctx.account and ctx.account.alias:
        doc["AccountAlias"] = ctx.account.alias
    doc.update(fields)
    return doc


def _image_done(snapshot_ids: list[str]):
    def finish(tx: Tx, doc: dict) -> None:
        for snapshot_id in snapshot_ids:
            if (snap := tx.get("snapshot", snapshot_id)) is not None:
                finish_snapshot(tx, snap)
        if doc["State"] == "pending":
            doc["State"] = "available"
            tx.put(doc)

    def fail(tx: Tx, doc: dict, message: str) -> None:
        for snapshot_id in snapshot_ids:
            if (snap := tx.get("snapshot", snapshot_id)) is not None:
                fail_snapshot(tx, snap, message)
        doc.update(State="failed", StateComment={"StateCode": "Server.InternalError",
                                                 "StateMessage": message})
        tx.put(doc)
    return finish, fail


def _platform_of(source: dict, body: dict) -> dict:
    """A Windows VM or OMI makes Windows OMIs (its product codes and default user go along)."""
    if source.get("_platform") != "windows":
        return {}
    return {"_platform": "windows", "_default_user": source.get("_default_user", "Administrator"),
            "ProductCodes": body.get("ProductCodes", source.get("ProductCodes", ["0002"]))}


def _from_vm(ctx: Ctx, tx: Tx, body: dict):
    vm = get_owned(ctx, tx, "vm", body["VmId"])
    if vm["State"] not in ("running", "stopped"):
        raise bad_state(6006, f"VM {vm['VmId']} is {vm['State']}; it must be running or stopped.")
    name = body.get("ImageName") or f"{vm['VmId']}-{now_iso()[:10]}"
    image = _new_image(ctx, tx, body, name, RootDeviceName=vm["RootDeviceName"],
                       BootModes=[vm.get("BootMode", "legacy")],
                       **_platform_of(vm, body))
    works = []
    for mapping in vm["BlockDeviceMappings"]:
        volume = tx.get("volume", mapping["Bsu"]["VolumeId"])
        snap = new_snapshot(ctx, volume["VolumeId"], volume["Size"],
                            f"Created by CreateImage({vm['VmId']}) for {image['ImageId']}")
        tx.put(snap)
        works.append(copy_work(ctx, snap["_id"], volume_id=volume["VolumeId"]))
        image["BlockDeviceMappings"].append({"DeviceName": mapping["DeviceName"], "Bsu": {
            "SnapshotId": snap["_id"], "VolumeSize": volume["Size"],
            "VolumeType": volume["VolumeType"],
            "DeleteOnVmDeletion": mapping["Bsu"]["DeleteOnVmDeletion"]}})
    running = vm["State"] == "running"

    def work() -> None:
        if running:
            ctx.sim.backend.sync_vm(vm["VmId"])
        for each in works:
            each()
    return image, work


def _from_snapshots(ctx: Ctx, tx: Tx, body: dict):
    if not body.get("RootDeviceName"):
        raise missing_set("CreateImage from BlockDeviceMappings needs RootDeviceName.")
    mappings = []
    for mapping in body["BlockDeviceMappings"]:
        bsu = dict(mapping.get("Bsu", {}))
        if snapshot_id := bsu.get("SnapshotId"):
            snap = find_snapshot(ctx, tx, snapshot_id)
            bsu.setdefault("VolumeSize", snap["VolumeSize"])
        bsu.setdefault("VolumeType", "standard")
        bsu.setdefault("DeleteOnVmDeletion", True)
        mappings.append({"DeviceName": mapping.get("DeviceName", ""), "Bsu": bsu})
    if not any(m["DeviceName"] == body["RootDeviceName"] for m in mappings):
        raise invalid(f"No block device mapping for the root device {body['RootDeviceName']}.",
                      4019)
    image = _new_image(ctx, tx, body, body.get("ImageName", ""), BlockDeviceMappings=mappings,
                       RootDeviceName=body["RootDeviceName"])
    return image, None


def _copy(ctx: Ctx, tx: Tx, body: dict):
    source_region = body.get("SourceRegionName", ctx.region)
    if source_region != ctx.region:
        # Spec: SourceRegionName is "always the same as the Region of your account".
        raise invalid(f"SourceRegionName {source_region!r} is not the Region of your account "
                      f"({ctx.region}); Regions do not share OMIs: to copy one across "
                      "Regions, export it to an OOS bucket (CreateImageExportTask) and create "
                      "it from that bucket (CreateImage with FileLocation) in the other "
                      "Region's account.")
    source = find_image(ctx, tx, body["SourceImageId"], source_region)
    if source["State"] != "available":
        raise bad_state(6001, f"OMI {source['ImageId']} is {source['State']}.")
    image = _new_image(ctx, tx, body, body.get("ImageName") or source["ImageName"],
                       Description=body.get("Description", source["Description"]),
                       Architecture=source["Architecture"], BootModes=source["BootModes"],
                       RootDeviceName=source["RootDeviceName"], **_platform_of(source, body))
    works = []
    for mapping in source["BlockDeviceMappings"]:
        bsu = dict(mapping["Bsu"])
        if bsu.get("SnapshotId"):
            original = tx.get("snapshot", bsu["SnapshotId"])
            snap = new_snapshot(ctx, "", bsu["VolumeSize"],
                                f"Copy of {bsu['SnapshotId']} for {image['ImageId']}")
            tx.put(snap)
            works.append(copy_work(ctx, snap["_id"], source=original))
            bsu["SnapshotId"] = snap["_id"]
        image["BlockDeviceMappings"].append({**mapping, "Bsu": bsu})

    def work() -> None:
        for each in works:
            each()
    return image, work


@operation("CreateImage")
def create_image(ctx: Ctx, body: dict) -> dict:
    manifest = None
    if body.get("FileLocation"):  # an OMI exported to OOS (CreateImageExportTask)
        from .image_import import import_image, read_manifest
        manifest = read_manifest(body["FileLocation"])  # over HTTP: before the transaction
    with ctx.sim.store.write() as tx:
        if manifest is not None:
            image, work = import_image(ctx, tx, body, manifest, _new_image)
            delay = ctx.sim.timings["image_import"]
        elif body.get("VmId"):
            image, work = _from_vm(ctx, tx, body)
            delay = ctx.sim.timings["image"]
        elif body.get("SourceImageId"):
            image, work = _copy(ctx, tx, body)
            delay = ctx.sim.timings["image_copy"]
        elif body.get("BlockDeviceMappings"):
            image, work = _from_snapshots(ctx, tx, body)
            delay = ctx.sim.timings["image"]
        else:
            raise missing_set("CreateImage needs VmId, SourceImageId or "
                                      "BlockDeviceMappings with RootDeviceName.")
        tx.put(image)
    snapshot_ids = [m["Bsu"]["SnapshotId"] for m in image["BlockDeviceMappings"]
                    if m["Bsu"].get("SnapshotId") and work is not None]
    finish, fail = _image_done(snapshot_ids)
    ctx.sim.submit(ctx.sim.transition("image", image["_id"], delay=delay, work=work,
                                      finish=finish, fail=fail,
                                      fault=ctx.sim.faults.transition(ctx.operation)))
    return {"Image": public(image)}


@operation("ReadImages")
def read_images(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = visible_images(ctx, tx)

    def bsu(key):
        return lambda d: [m["Bsu"].get(key) for m in d["BlockDeviceMappings"]
                          if m["Bsu"].get(key) is not None]
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(),
        "AccountAliases": lambda d: [d.get("AccountAlias", "")],
        "AccountIds": filters.field("AccountId"), "Architectures": filters.field("Architecture"),
        "BlockDeviceMappingDeleteOnVmDeletion": bsu("DeleteOnVmDeletion"),
        "BlockDeviceMappingDeviceNames": lambda d: [m["DeviceName"]
                                                    for m in d["BlockDeviceMappings"]],
        "BlockDeviceMappingSnapshotIds": bsu("SnapshotId"),
        "BlockDeviceMappingVolumeSizes": bsu("VolumeSize"),
        "BlockDeviceMappingVolumeTypes": bsu("VolumeType"),
        "BootModes": lambda d: d.get("BootModes", []),
        "Descriptions": filters.field("Description"),
        "FileLocations": filters.field("FileLocation"), "Hypervisors": lambda d: ["xen"],
        "ImageIds": filters.field("ImageId"), "ImageNames": filters.field("ImageName"),
        "PermissionsToLaunchAccountIds": lambda d: d["PermissionsToLaunch"]["AccountIds"],
        "PermissionsToLaunchGlobalPermission":
            lambda d: [d["PermissionsToLaunch"]["GlobalPermission"]],
        "ProductCodes": lambda d: d.get("ProductCodes", []),
        "RootDeviceNames": filters.field("RootDeviceName"),
        "RootDeviceTypes": filters.field("RootDeviceType"),
        "SecureBoot": filters.field("SecureBoot"), "States": filters.field("State"),
        "TpmMandatory": filters.field("TpmMandatory"),
        "VirtualizationTypes": lambda d: ["hvm"],
    })
    return filters.paginate([public(d) for d in items], body, "Images")


@operation("UpdateImage")
def update_image(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "image", body["ImageId"])
        permissions(doc, "PermissionsToLaunch", body.get("PermissionsToLaunch"))
        if "Description" in body:
            doc["Description"] = body["Description"]
        if "ProductCodes" in body:
            doc["ProductCodes"] = body["ProductCodes"]
        tx.put(doc)
    return {"Image": public(doc)}


@operation("DeleteImage")
def delete_image(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "image", body["ImageId"])
        tx.delete(doc["_id"])
    return {}
