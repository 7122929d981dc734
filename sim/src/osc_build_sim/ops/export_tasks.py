"""Export tasks: an OMI's or a snapshot's disks, as gzip-compressed qcow2 or raw, into OOS.

CreateImageExportTask writes ``{OsuPrefix}{ImageId}/{SnapshotId}-{suffix}.{format}.gz``
for each snapshot and the manifest ``{OsuPrefix}{ImageId}/{TaskId}.manifest.json``
(OUTSCALE's Manifest File Reference), whose snapshots carry 7-day pre-signed URLs;
CreateImage with ``FileLocation`` reads it (``image_import``). CreateSnapshotExportTask
writes ``{OsuPrefix}{SnapshotId}-{suffix}.{format}.gz``.

States (spec): image tasks ``pending/queued`` -> ``pending`` (Progress) -> ``completed``
or ``failed`` (Comment); snapshot tasks ``pending`` -> ``uploading`` (Progress) ->
``completed`` or ``failed``. Timed by the ``export`` timing.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from .. import filters
from ..backend import BackendError
from ..diskimage import FORMATS, DiskImageError, export_file
from ..engine import Simulator, new_id
from ..errors import ApiError, bad_state, invalid
from ..oos.client import PRESIGN_SECONDS, object_url, s3_client
from ..store import public
from . import Ctx, operation
from .common import get_owned

log = logging.getLogger(__name__)
IMAGE_TASK = "image_export_task"
SNAPSHOT_TASK = "snapshot_export_task"
MANIFEST_VERSION = 1
CANCEL_POLL = 0.25  # seconds: how soon a task waiting out its delay sees DeleteExportTask


class _Export:
    """Where an export goes: the Region's OOS, a bucket, a prefix, a format, keys."""

    def __init__(self, ctx: Ctx, osu: dict) -> None:
        self.format = osu["DiskImageFormat"]
        if self.format not in FORMATS:
            raise invalid(f"DiskImageFormat {self.format!r} is not one of qcow2, raw.")
        self.bucket = osu["OsuBucket"]
        self.prefix = osu.get("OsuPrefix", "")
        self.endpoint = ctx.sim.oos_endpoints.get(ctx.region)
        if self.endpoint is None:
            raise ApiError(400, 4088, f"No OOS is running for {ctx.region}.")
        api_key = osu.get("OsuApiKey") or {}
        if api_key.get("ApiKeyId") and api_key.get("SecretKey"):
            keys = api_key["ApiKeyId"], api_key["SecretKey"]
        else:  # OOS uses the account's own access keys
            key = ctx.account.access_keys[0]
            keys = key.access_key, key.secret_key
        self.client = s3_client(self.endpoint, ctx.region, *keys)
        self.written: list[str] = []

    def check_bucket(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            reason = "does not exist" if status == 404 else f"is not reachable ({status})"
            raise ApiError(400, 4002, f"The OOS bucket {self.bucket!r} {reason} with these "
                                      "keys.") from None
        except BotoCoreError as exc:
            raise ApiError(400, 4088, f"OOS is unreachable: {exc}") from None

    def upload(self, path: Path, key: str, content_type: str) -> None:
        self.written.append(key)
        self.client.upload_file(str(path), self.bucket, key,
                                ExtraArgs={"ContentType": content_type})

    def remove_written(self) -> None:
        """A cancelled task leaves no objects behind."""
        for key in self.written:
            try:
                self.client.delete_object(Bucket=self.bucket, Key=key)
            except Exception:  # best effort: the task is cancelled all the same
                log.warning("cancelled export: could not delete %s/%s", self.bucket, key)

    def presign(self, key: str) -> str:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=PRESIGN_SECONDS)


def _task_doc(ctx: Ctx, kind: str, prefix: str, export: _Export, **fields) -> dict:
    ident = new_id(prefix)
    osu = {"DiskImageFormat": export.format, "OsuBucket": export.bucket,
           "OsuPrefix": export.prefix}
    return {"_id": ident, "_kind": kind, "_region": ctx.region, "_owner": ctx.account_id,
            "TaskId": ident, "Progress": 0, "Comment": "", "OsuExport": osu, "Tags": [],
            **fields}


class _Cancelled(Exception):
    """DeleteExportTask was called while the task ran."""


def _set(sim: Simulator, kind: str, task_id: str, **fields) -> None:
    """Update a running task; raise _Cancelled if it was cancelled (or deleted) meanwhile."""
    with sim.store.write() as tx:
        doc = tx.get(kind, task_id)
        if doc is None or doc["State"] == "cancelled":
            raise _Cancelled(task_id)
        doc.update(fields)
        tx.put(doc)


def _disk_file(sim: Simulator, snapshot: dict, workdir: Path) -> tuple[Path, bool]:
    """The snapshot's raw file, or a blank one of its size (backends with no data)."""
    finder = getattr(sim.backend, "snapshot_file", None)
    if finder is not None:
        return finder(snapshot["_id"]), False
    blank = workdir / f"{snapshot['_id']}.blank.raw"
    with open(blank, "wb") as handle:
        handle.truncate(snapshot["VolumeSize"] << 30)
    return blank, True


def _export_disk(sim: Simulator, export: _Export, snapshot: dict, key: str,
                 progress: Callable[[float], None]) -> int:
    """Write one snapshot as ``key``; returns the compressed size."""
    workdir = sim.data_dir / "oos-work"
    workdir.mkdir(exist_ok=True)
    raw, blank = _disk_file(sim, snapshot, workdir)
    out = workdir / f"{key.replace('/', '_')}.{time.monotonic_ns()}"
    try:
        export_file(raw, export.format, out, workdir, progress)
        export.upload(out, key, "application/gzip")
        return out.stat().st_size
    finally:
        out.unlink(missing_ok=True)
        if blank:
            raw.unlink(missing_ok=True)


def _run(sim: Simulator, kind: str, task_id: str, active: str, fault: str | None,
         export: _Export, work: Callable[[Callable[[float], None]], dict]) -> None:
    """Run one export task; a cancelled one stops and removes the objects it wrote."""
    try:
        _steps(sim, kind, task_id, active, fault, work)
    except _Cancelled:
        log.info("export task %s cancelled", task_id)
        export.remove_written()


def _steps(sim: Simulator, kind: str, task_id: str, active: str, fault: str | None,
           work: Callable[[Callable[[float], None]], dict]) -> None:
    """Do ``work`` (reporting 0..1), then let the ``export`` delay pass, then complete."""
    started = time.monotonic()
    if fault == "hang":
        sim.stopping.wait()
        return
    _set(sim, kind, task_id, State=active, Progress=1)

    last = [1]

    def report(fraction: float) -> None:  # one write per percent, not per disk segment
        percent = max(1, min(89, int(fraction * 90)))
        if percent > last[0]:
            last[0] = percent
            _set(sim, kind, task_id, Progress=percent)
    try:
        if fault == "fail":
            raise BackendError("injected failure")
        fields = work(report)
    except _Cancelled:
        raise
    except (BackendError, DiskImageError, OSError, ValueError) as exc:
        _set(sim, kind, task_id, State="failed", Comment=str(exc))
        return
    except Exception as exc:  # boto3 errors: the task fails, the simulator goes on
        log.exception("export task %s", task_id)
        _set(sim, kind, task_id, State="failed", Comment=f"OOS upload failed: {exc}")
        return
    delay = sim.timings["export"]
    while (elapsed := time.monotonic() - started) < delay:  # progress still moves meanwhile
        if sim.stopping.wait(min(CANCEL_POLL, delay - elapsed)):
            return
        _set(sim, kind, task_id, Progress=90 + min(9, int(10 * elapsed / delay)))
    _set(sim, kind, task_id, State="completed", Progress=100, **fields)


@operation("CreateImageExportTask")
def create_image_export_task(ctx: Ctx, body: dict) -> dict:
    export = _Export(ctx, body["OsuExport"])
    with ctx.sim.store.read() as tx:
        # get_owned: "You cannot export a shared or public OMI, as they do not belong to you".
        image = get_owned(ctx, tx, "image", body["ImageId"])
        if image["State"] != "available":
            raise bad_state(6001, f"OMI {image['ImageId']} is {image['State']}.")
        snapshots = {m["Bsu"]["SnapshotId"]: tx.get("snapshot", m["Bsu"]["SnapshotId"])
                     for m in image["BlockDeviceMappings"] if m.get("Bsu", {}).get("SnapshotId")}
    export.check_bucket()
    task = _task_doc(ctx, IMAGE_TASK, "image-export", export, ImageId=image["ImageId"],
                     State="pending/queued")
    manifest_key = f"{export.prefix}{image['ImageId']}/{task['TaskId']}.manifest.json"
    task["OsuExport"]["OsuManifestUrl"] = object_url(export.endpoint, export.bucket,
                                                     manifest_key)
    with ctx.sim.store.write() as tx:
        tx.put(task)
    suffix = task["TaskId"].rsplit("-", 1)[1]

    def work(report: Callable[[float], None]) -> dict:
        entries = []
        mappings = [m for m in image["BlockDeviceMappings"] if m["Bsu"].get("SnapshotId")]
        for index, mapping in enumerate(mappings):
            snapshot = snapshots[mapping["Bsu"]["SnapshotId"]]
            if snapshot is None:
                raise BackendError(f"snapshot {mapping['Bsu']['SnapshotId']} of the OMI "
                                   "no longer exists")
            filename = f"{snapshot['_id']}-{suffix}.{export.format}.gz"
            key = f"{export.prefix}{image['ImageId']}/{filename}"
            size = _export_disk(ctx.sim, export, snapshot, key,
                                lambda f, i=index: report((i + f) / len(mappings)))
            entries.append({"DeleteOnTermination": mapping["Bsu"].get("DeleteOnVmDeletion",
                                                                      True),
                            "Device": mapping["DeviceName"], "Filename": filename,
                            "Iops": mapping["Bsu"].get("Iops"),
                            "PreSignedUrl": export.presign(key),
                            "Size": snapshot["VolumeSize"] << 30,
                            "VolumeType": mapping["Bsu"].get("VolumeType", "standard"),
                            "CompressedSize": size, "Ordering": index})
        manifest = {"Version": MANIFEST_VERSION, "Image": {
            "Name": image["ImageName"], "Description": image.get("Description", ""),
            "Architecture": image.get("Architecture", "x86_64"), "Type": "machine",
            "ProductTypes": image.get("ProductCodes", ["0001"]), "Public": False,
            "Snapshots": entries}}
        path = ctx.sim.data_dir / "oos-work" / f"{task['TaskId']}.manifest.json"
        path.write_text(json.dumps(manifest, indent=2))
        try:
            export.upload(path, manifest_key, "application/json")
        finally:
            path.unlink(missing_ok=True)
        return {}

    fault = ctx.sim.faults.transition(ctx.operation)
    ctx.sim.submit(lambda: _run(ctx.sim, IMAGE_TASK, task["TaskId"], "pending", fault, export,
                                work))
    return {"ImageExportTask": public(task)}


@operation("CreateSnapshotExportTask")
def create_snapshot_export_task(ctx: Ctx, body: dict) -> dict:
    export = _Export(ctx, body["OsuExport"])
    with ctx.sim.store.read() as tx:
        snapshot = get_owned(ctx, tx, "snapshot", body["SnapshotId"])
        if snapshot["State"] != "completed":
            raise bad_state(6003, f"Snapshot {snapshot['SnapshotId']} is {snapshot['State']}.")
    export.check_bucket()
    task = _task_doc(ctx, SNAPSHOT_TASK, "snap-export", export,
                     SnapshotId=snapshot["SnapshotId"], State="pending")
    with ctx.sim.store.write() as tx:
        tx.put(task)
    suffix = task["TaskId"].rsplit("-", 1)[1]
    key = f"{export.prefix}{snapshot['_id']}-{suffix}.{export.format}.gz"

    def work(report: Callable[[float], None]) -> dict:
        _export_disk(ctx.sim, export, snapshot, key, report)
        return {}

    fault = ctx.sim.faults.transition(ctx.operation)
    ctx.sim.submit(lambda: _run(ctx.sim, SNAPSHOT_TASK, task["TaskId"], "uploading", fault,
                                export, work))
    return {"SnapshotExportTask": public(task)}


def _read(ctx: Ctx, body: dict, kind: str, key: str, subject: str) -> dict:
    with ctx.sim.store.read() as tx:
        items = [d for d in tx.list(kind, ctx.region) if d["_owner"] == ctx.account_id]
    items = filters.apply(items, body.get("Filters"), {
        "TaskIds": filters.field("TaskId"), f"{subject}Ids": filters.field(f"{subject}Id")})
    return filters.paginate([public(d) for d in items], body, key)


@operation("ReadImageExportTasks")
def read_image_export_tasks(ctx: Ctx, body: dict) -> dict:
    return _read(ctx, body, IMAGE_TASK, "ImageExportTasks", "Image")


@operation("ReadSnapshotExportTasks")
def read_snapshot_export_tasks(ctx: Ctx, body: dict) -> dict:
    return _read(ctx, body, SNAPSHOT_TASK, "SnapshotExportTasks", "Snapshot")


@operation("DeleteExportTask")
def delete_export_task(ctx: Ctx, body: dict) -> dict:
    """Cancel a task that is still under way (spec: fails unless ``active`` or ``pending``)."""
    ident = body["ExportTaskId"]
    with ctx.sim.store.write() as tx:
        doc = tx.get(IMAGE_TASK, ident) or tx.get(SNAPSHOT_TASK, ident)
        if doc is None or doc["_owner"] != ctx.account_id or doc["_region"] != ctx.region:
            raise ApiError(400, 5058, f"The export task '{ident}' does not exist.")
        if doc["State"] in ("completed", "failed", "cancelled"):
            raise bad_state(6003, f"Export task {ident} is {doc['State']}; only a task under "
                                  "way can be deleted.")
        doc["State"] = "cancelled"
        tx.put(doc)
    return {}


def fail_interrupted(tx, message: str) -> None:
    """After a restart: tasks that were running can not be resumed (recovery)."""
    for kind in (IMAGE_TASK, SNAPSHOT_TASK):
        for doc in tx.list(kind):
            if doc["State"] not in ("completed", "failed", "cancelled"):
                doc.update(State="failed", Comment=message)
                tx.put(doc)
