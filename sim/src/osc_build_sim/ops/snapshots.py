"""Snapshots: in-queue -> pending (Progress 0..100) -> completed, or error; deleting -> gone.

The spec's snapshot states: in-queue | pending | completed | error | deleting.
"""

from __future__ import annotations

from .. import filters
from ..errors import bad_state, invalid, missing_set, not_found
from ..store import Tx, public
from . import Ctx, operation
from .common import get_owned, permissions, same_client_token, shared_with
from .snapshot_doc import new_snapshot
from .snapshot_import import import_snapshot


def progress_writer(ctx: Ctx, snapshot_id: str):
    """A callback for the backend: record copy progress (kept below 100 until done)."""
    def report(percent: int) -> None:
        with ctx.sim.store.write() as tx:
            doc = tx.get("snapshot", snapshot_id)
            if doc and doc["State"] == "pending":
                doc["Progress"] = max(doc["Progress"], min(int(percent), 99))
                tx.put(doc)
    return report


def copy_work(ctx: Ctx, snapshot_id: str, *, volume_id: str | None = None,
              source: dict | None = None):
    """The backend calls that fill one snapshot, from a volume or from another snapshot."""
    backend = ctx.sim.backend
    report = progress_writer(ctx, snapshot_id)

    def work() -> None:
        _start_copy(ctx, snapshot_id)
        if volume_id is not None:
            backend.create_snapshot(snapshot_id, volume_id, report)
            return
        assert source is not None
        if name := source.get("_public_image"):
            backend.ensure_public_image(source["_id"], name, source["VolumeSize"])
        copy = getattr(backend, "copy_snapshot", None)
        if copy is not None:
            copy(snapshot_id, source["_id"], report)
    return work


def _start_copy(ctx: Ctx, snapshot_id: str) -> None:
    """in-queue -> pending: the copy begins."""
    with ctx.sim.store.write() as tx:
        doc = tx.get("snapshot", snapshot_id)
        if doc and doc["State"] == "in-queue":
            doc["State"] = "pending"
            tx.put(doc)


def finish_snapshot(tx: Tx, doc: dict) -> None:
    if doc["State"] in ("in-queue", "pending"):
        doc.update(State="completed", Progress=100)
        tx.put(doc)


def fail_snapshot(tx: Tx, doc: dict, message: str) -> None:
    doc.update(State="error")
    tx.put(doc)


def snapshot_delay(ctx: Ctx, size: int) -> float:
    return ctx.sim.timings["snapshot"] + ctx.sim.timings["snapshot_per_gib"] * size


def visible_snapshots(ctx: Ctx, tx: Tx) -> list[dict]:
    return [d for d in tx.list("snapshot", ctx.region)
            if shared_with(d, "PermissionsToCreateVolume", ctx.account_id)]


def find_snapshot(ctx: Ctx, tx: Tx, ident: str) -> dict:
    doc = tx.get("snapshot", ident)
    if (doc is None or doc["_region"] != ctx.region
            or not shared_with(doc, "PermissionsToCreateVolume", ctx.account_id)):
        raise not_found(5054, "snapshot", ident)
    return doc


@operation("CreateSnapshot")
def create_snapshot(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        if earlier := same_client_token(ctx, tx, "snapshot", body):
            return {"Snapshot": public(earlier)}  # idempotent: the first call's snapshot
        if body.get("FileLocation"):  # a disk image in OOS (CreateSnapshotExportTask)
            doc, work = import_snapshot(ctx, body)
        elif volume_id := body.get("VolumeId"):
            volume = get_owned(ctx, tx, "volume", volume_id)
            if volume["State"] not in ("available", "in-use"):
                raise bad_state(6007, f"Volume {volume_id} is {volume['State']}.")
            doc = new_snapshot(ctx, volume_id, volume["Size"], body.get("Description", ""))
            work = copy_work(ctx, doc["_id"], volume_id=volume_id)
        elif source_id := body.get("SourceSnapshotId"):
            region = body.get("SourceRegionName", ctx.region)
            if region != ctx.region:  # spec: "must be the same as the Region of your account"
                raise invalid(f"SourceRegionName {region!r} is not the Region of your account "
                              f"({ctx.region}); Regions do not share snapshots: export it "
                              "(CreateSnapshotExportTask) and import it in the other Region.")
            source = tx.get("snapshot", source_id)
            if (source is None or source["_region"] != region
                    or not shared_with(source, "PermissionsToCreateVolume", ctx.account_id)):
                raise not_found(5054, "snapshot", source_id)
            doc = new_snapshot(ctx, source["VolumeId"], source["VolumeSize"],
                               body.get("Description", source["Description"]))
            work = copy_work(ctx, doc["_id"], source=source)
        else:
            raise missing_set("CreateSnapshot needs VolumeId or SourceSnapshotId.")
        doc["ClientToken"] = body.get("ClientToken", "")
        tx.put(doc)
    ctx.sim.submit(ctx.sim.transition(
        "snapshot", doc["_id"], delay=snapshot_delay(ctx, doc["VolumeSize"]), work=work,
        finish=finish_snapshot, fail=fail_snapshot,
        fault=ctx.sim.faults.transition(ctx.operation)))
    return {"Snapshot": public(doc)}


@operation("ReadSnapshots")
def read_snapshots(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = visible_snapshots(ctx, tx)
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(),
        "SnapshotIds": filters.field("SnapshotId"), "States": filters.field("State"),
        "Progresses": filters.field("Progress"), "VolumeIds": filters.field("VolumeId"),
        "VolumeSizes": filters.field("VolumeSize"), "Descriptions": filters.field("Description"),
        "AccountIds": filters.field("AccountId"),
        "AccountAliases": lambda d: [d.get("AccountAlias", "")],
        "PermissionsToCreateVolumeAccountIds":
            lambda d: d["PermissionsToCreateVolume"]["AccountIds"],
        "PermissionsToCreateVolumeGlobalPermission":
            lambda d: [d["PermissionsToCreateVolume"]["GlobalPermission"]],
        "ClientTokens": filters.field("ClientToken"),
    })
    return filters.paginate([public(d) for d in items], body, "Snapshots")


@operation("UpdateSnapshot")
def update_snapshot(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "snapshot", body["SnapshotId"])
        permissions(doc, "PermissionsToCreateVolume", body.get("PermissionsToCreateVolume"))
        tx.put(doc)
    return {"Snapshot": public(doc)}


@operation("DeleteSnapshot")
def delete_snapshot(ctx: Ctx, body: dict) -> dict:
    ident = body["SnapshotId"]
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "snapshot", ident)
        if doc["State"] == "deleting":
            return {}
        for image in tx.list("image", ctx.region):
            if any(m.get("Bsu", {}).get("SnapshotId") == ident
                   for m in image["BlockDeviceMappings"]):
                raise bad_state(6003, f"Snapshot {ident} is used by OMI {image['ImageId']}; "
                                      "delete the OMI first.")
        doc["State"] = "deleting"
        tx.put(doc)

    def finish(tx: Tx, snap: dict) -> None:
        tx.delete(snap["_id"])
    ctx.sim.submit(ctx.sim.transition(
        "snapshot", ident, delay=ctx.sim.timings["snapshot_delete"], finish=finish,
        fail=fail_snapshot, work=lambda: ctx.sim.backend.delete_snapshot(ident)))
    return {}
