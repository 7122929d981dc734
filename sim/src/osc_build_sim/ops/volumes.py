"""Volumes: creating -> available <-> in-use -> deleting, and Link/UnlinkVolume."""

from __future__ import annotations

import re

from .. import filters
from ..backend import DiskAttachment
from ..engine import new_id, now_iso
from ..errors import bad_state, conflict, invalid, missing_set
from ..store import Tx, public
from . import Ctx, operation
from .common import base_doc, get_owned, owned, same_client_token
from .snapshots import find_snapshot

DEVICE_RE = re.compile(r"^/dev/(xvd[b-z]|sd[b-z]|vd[b-z])$")
VOLUME_TYPES = ("standard", "gp2", "io1")


def new_volume(ctx: Ctx, tx: Tx, *, size: int | None, volume_type: str, subregion: str,
               snapshot_id: str | None = None, iops: int | None = None) -> dict:
    if volume_type not in VOLUME_TYPES:
        raise invalid(f"VolumeType {volume_type!r} is not one of {', '.join(VOLUME_TYPES)}.")
    if snapshot_id:
        snapshot = find_snapshot(ctx, tx, snapshot_id)
        if snapshot["State"] != "completed":
            raise bad_state(6003, f"Snapshot {snapshot_id} is {snapshot['State']}.")
        size = size or snapshot["VolumeSize"]
        if size < snapshot["VolumeSize"]:
            raise invalid(f"Size {size} GiB is smaller than snapshot {snapshot_id} "
                          f"({snapshot['VolumeSize']} GiB).", 4078)
    if size is None:
        raise missing_set("Size is required when SnapshotId is not given.")
    if not 1 <= size <= 14901:
        raise invalid(f"Size {size} GiB is not between 1 and 14901.", 4078)
    ident = new_id("vol")
    doc = {**base_doc(ctx, "volume", ident), "VolumeId": ident, "State": "creating",
           "Size": size, "VolumeType": volume_type, "SubregionName": subregion,
           "CreationDate": now_iso(), "LinkedVolumes": [], "Tags": []}
    if snapshot_id:
        doc["SnapshotId"] = snapshot_id
    if volume_type == "io1":
        doc["Iops"] = iops or 100
    return doc


def volume_creation_work(ctx: Ctx, tx: Tx, volume: dict):
    """Backend work creating ``volume`` (the catalogue root image made first if needed)."""
    snapshot = tx.get("snapshot", volume["SnapshotId"]) if volume.get("SnapshotId") else None
    backend = ctx.sim.backend

    def work() -> None:
        if snapshot and (name := snapshot.get("_public_image")):
            backend.ensure_public_image(snapshot["_id"], name, snapshot["VolumeSize"])
        backend.create_volume(volume["_id"], volume["Size"], volume.get("SnapshotId"))
    return work


def _fail_volume(tx: Tx, doc: dict, message: str) -> None:
    doc["State"] = "error"
    tx.put(doc)


@operation("CreateVolume")
def create_volume(ctx: Ctx, body: dict) -> dict:
    region = ctx.sim.config.regions[ctx.region]
    subregion = body["SubregionName"]
    if subregion not in [ctx.region + s for s in region.subregions]:
        raise invalid(f"SubregionName {subregion!r} is not a subregion of {ctx.region}.")
    with ctx.sim.store.write() as tx:
        if earlier := same_client_token(ctx, tx, "volume", body):
            return {"Volume": public(earlier)}  # idempotent: the first call's volume
        doc = new_volume(ctx, tx, size=body.get("Size"),
                         volume_type=body.get("VolumeType", "standard"), subregion=subregion,
                         snapshot_id=body.get("SnapshotId"), iops=body.get("Iops"))
        doc["ClientToken"] = body.get("ClientToken", "")
        tx.put(doc)
        work = volume_creation_work(ctx, tx, doc)

    def finish(tx: Tx, vol: dict) -> None:
        if vol["State"] == "creating":
            vol["State"] = "available"
            tx.put(vol)
    ctx.sim.submit(ctx.sim.transition("volume", doc["_id"],
                                      delay=ctx.sim.timings["volume_create"], work=work,
                                      finish=finish, fail=_fail_volume,
                                      fault=ctx.sim.faults.transition(ctx.operation)))
    return {"Volume": public(doc)}


@operation("ReadVolumes")
def read_volumes(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "volume")

    def link(key):
        return lambda d: [lv[key] for lv in d["LinkedVolumes"]]
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(),
        "VolumeIds": filters.field("VolumeId"), "VolumeStates": filters.field("State"),
        "VolumeTypes": filters.field("VolumeType"), "VolumeSizes": filters.field("Size"),
        "SnapshotIds": filters.field("SnapshotId"),
        "SubregionNames": filters.field("SubregionName"),
        "CreationDates": lambda d: [d["CreationDate"][:10], d["CreationDate"]],
        "ClientTokens": filters.field("ClientToken"),
        "LinkVolumeVmIds": link("VmId"), "LinkVolumeDeviceNames": link("DeviceName"),
        "LinkVolumeLinkStates": link("State"),
        "LinkVolumeDeleteOnVmDeletion": link("DeleteOnVmDeletion"),
    })
    return filters.paginate([public(d) for d in items], body, "Volumes")


@operation("DeleteVolume")
def delete_volume(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "volume", body["VolumeId"])
        if doc["LinkedVolumes"] or doc["State"] == "in-use":
            raise conflict(9004, f"Volume {doc['VolumeId']} is linked to a VM; unlink it first.")
        if doc["State"] not in ("available", "error"):
            raise bad_state(6007, f"Volume {doc['VolumeId']} is {doc['State']}.")
        doc["State"] = "deleting"
        tx.put(doc)

    def finish(tx: Tx, vol: dict) -> None:
        tx.delete(vol["_id"])
    ctx.sim.submit(ctx.sim.transition(
        "volume", doc["_id"], delay=ctx.sim.timings["volume_delete"],
        work=lambda: ctx.sim.backend.delete_volume(doc["_id"]), finish=finish,
        fail=_fail_volume, fault=ctx.sim.faults.transition(ctx.operation)))
    return {}


@operation("LinkVolume")
def link_volume(ctx: Ctx, body: dict) -> dict:
    device = body["DeviceName"]
    if not DEVICE_RE.match(device):
        raise invalid(f"DeviceName {device!r} must look like /dev/xvdb ... /dev/xvdz.", 4019)
    with ctx.sim.store.write() as tx:
        volume = get_owned(ctx, tx, "volume", body["VolumeId"])
        vm = get_owned(ctx, tx, "vm", body["VmId"])
        if volume["State"] != "available":
            raise bad_state(6007, f"Volume {volume['VolumeId']} is {volume['State']}; "
                                  "it must be available.")
        if vm["State"] not in ("running", "stopped"):
            raise bad_state(6006, f"VM {vm['VmId']} is {vm['State']}.")
        if volume["SubregionName"] != vm["Placement"]["SubregionName"]:
            raise conflict(9071, f"Volume is in {volume['SubregionName']}, VM in "
                                 f"{vm['Placement']['SubregionName']}.")
        if any(m["DeviceName"] == device for m in vm["BlockDeviceMappings"]):
            raise conflict(9003, f"Device {device} is already used on VM {vm['VmId']}.")
        stamp = now_iso()
        volume["State"] = "in-use"
        volume["LinkedVolumes"] = [{"VmId": vm["VmId"], "VolumeId": volume["VolumeId"],
                                    "DeviceName": device, "State": "attaching",
                                    "DeleteOnVmDeletion": False}]
        vm["BlockDeviceMappings"].append({"DeviceName": device, "Bsu": {
            "VolumeId": volume["VolumeId"], "State": "attaching", "LinkDate": stamp,
            "DeleteOnVmDeletion": False}})
        tx.put(volume)
        tx.put(vm)
        running = vm["State"] == "running"

    def work() -> None:
        if running:
            ctx.sim.backend.link_volume(vm["VmId"], DiskAttachment(volume["VolumeId"], device))

    def finish(tx: Tx, vol: dict) -> None:
        set_link_state(tx, vol, "attached")

    def fail(tx: Tx, vol: dict, message: str) -> None:
        detach(tx, vol)
    ctx.sim.submit(ctx.sim.transition("volume", volume["_id"],
                                      delay=ctx.sim.timings["volume_link"], work=work,
                                      finish=finish, fail=fail,
                                      fault=ctx.sim.faults.transition(ctx.operation)))
    return {}


def set_link_state(tx: Tx, volume: dict, state: str) -> None:
    for link in volume["LinkedVolumes"]:
        link["State"] = state
        vm = tx.get("vm", link["VmId"])
        if vm is not None:
            for mapping in vm["BlockDeviceMappings"]:
                if mapping["Bsu"]["VolumeId"] == volume["_id"]:
                    mapping["Bsu"]["State"] = state
            tx.put(vm)
    tx.put(volume)


def detach(tx: Tx, volume: dict) -> None:
    """Drop every link of ``volume`` (VM side too) and make it available."""
    for link in volume["LinkedVolumes"]:
        vm = tx.get("vm", link["VmId"])
        if vm is not None:
            vm["BlockDeviceMappings"] = [m for m in vm["BlockDeviceMappings"]
                                         if m["Bsu"]["VolumeId"] != volume["_id"]]
            tx.put(vm)
    volume.update(LinkedVolumes=[], State="available")
    tx.put(volume)


@operation("UnlinkVolume")
def unlink_volume(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        volume = get_owned(ctx, tx, "volume", body["VolumeId"])
        if volume["State"] != "in-use" or not volume["LinkedVolumes"]:
            raise conflict(9063, f"Volume {volume['VolumeId']} is not linked to a VM.")
        vm = tx.get("vm", volume["LinkedVolumes"][0]["VmId"])
        if vm and vm["RootDeviceName"] == volume["LinkedVolumes"][0]["DeviceName"] \
                and vm["State"] not in ("stopped", "terminated"):
            raise bad_state(6006, f"The root volume of VM {vm['VmId']} can only be unlinked "
                                  "when the VM is stopped.")
        set_link_state(tx, volume, "detaching")
        running = vm is not None and vm["State"] == "running"

    def work() -> None:
        if running:
            ctx.sim.backend.unlink_volume(vm["VmId"], volume["VolumeId"])

    def fail(tx: Tx, vol: dict, message: str) -> None:
        set_link_state(tx, vol, "attached")
    ctx.sim.submit(ctx.sim.transition("volume", volume["_id"],
                                      delay=ctx.sim.timings["volume_unlink"], work=work,
                                      finish=detach, fail=fail,
                                      fault=ctx.sim.faults.transition(ctx.operation)))
    return {}
