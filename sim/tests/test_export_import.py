"""Export tasks into OOS and CreateImage from a manifest (null backend: blank disks)."""

from __future__ import annotations

import gzip
import json
import subprocess
import time
import urllib.request
import zlib

import pytest
from requests.exceptions import HTTPError

from osc_build_sim.testing import (
    CheckedGateway,
    oos_client,
    region_gateway,
    running_simulator,
)

OTHER_REGION = "us-east-2"
QCOW2_MAGIC = b"QFI\xfb"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="fast") as handle:
        oos_client(handle, handle.region).create_bucket(
            Bucket="exports", CreateBucketConfiguration={"LocationConstraint": handle.region})
        yield handle


def _wait(read, key: str, task_id: str, timeout: float = 60) -> tuple[dict, list[tuple]]:
    """Poll a task to its end; returns it and the (State, Progress) pairs seen."""
    seen: list[tuple] = []
    deadline = time.monotonic() + timeout
    while True:
        task = read(Filters={"TaskIds": [task_id]})[key][0]
        if not seen or seen[-1] != (task["State"], task["Progress"]):
            seen.append((task["State"], task["Progress"]))
        if task["State"] in ("completed", "failed", "cancelled"):
            return task, seen
        assert time.monotonic() < deadline, f"{task_id} still {task['State']}"
        time.sleep(0.02)


def _wait_image(gw, image_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while (image := gw.ReadImages(Filters={"ImageIds": [image_id]})["Images"][0])[
            "State"] in ("in-queue", "pending"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return image


def _snapshot(gw, size: int) -> str:
    volume = gw.CreateVolume(SubregionName=gw.ReadSubregions()["Subregions"][0][
        "SubregionName"], Size=size)["Volume"]["VolumeId"]
    while gw.ReadVolumes(Filters={"VolumeIds": [volume]})["Volumes"][0]["State"] != "available":
        time.sleep(0.05)
    snapshot = gw.CreateSnapshot(VolumeId=volume)["Snapshot"]["SnapshotId"]
    while gw.ReadSnapshots(Filters={"SnapshotIds": [snapshot]})["Snapshots"][0][
            "State"] != "completed":
        time.sleep(0.05)
    return snapshot


def _error(call) -> dict:
    with pytest.raises(HTTPError) as refused:
        call()
    return refused.value.response.json()["Errors"][0]


def _gunzipped_length(data: bytes) -> int:
    length, inflate = 0, zlib.decompressobj(31)
    while data:
        length += len(inflate.decompress(data, 1 << 24))
        data = inflate.unconsumed_tail or (inflate.unused_data if inflate.eof else b"")
        if inflate.eof and data:
            inflate = zlib.decompressobj(31)  # the next gzip member
    return length


@pytest.mark.parametrize("disk_format", ["raw", "qcow2"])
def test_snapshot_export_writes_the_disk_in_its_format(sim, tmp_path, disk_format):
    gw = CheckedGateway(sim.gateway())
    snapshot = _snapshot(gw, 1)
    task = gw.CreateSnapshotExportTask(SnapshotId=snapshot, OsuExport={
        "DiskImageFormat": disk_format, "OsuBucket": "exports", "OsuPrefix": "snaps/"})[
        "SnapshotExportTask"]
    assert (task["State"], task["Progress"]) == ("pending", 0)
    task, seen = _wait(gw.ReadSnapshotExportTasks, "SnapshotExportTasks", task["TaskId"])
    assert task["State"] == "completed", task["Comment"]
    assert task["Progress"] == 100
    assert {state for state, _ in seen} <= {"pending", "uploading", "completed"}
    progress = [p for _, p in seen]
    assert progress == sorted(progress)

    s3 = oos_client(sim, sim.region)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="exports", Prefix="snaps/")[
        "Contents"] if snapshot in o["Key"]]
    assert len(keys) == 1 and keys[0].endswith(f".{disk_format}.gz")
    body = s3.get_object(Bucket="exports", Key=keys[0])["Body"].read()
    if disk_format == "raw":
        assert _gunzipped_length(body) == 1 << 30
    else:
        image = tmp_path / "disk.qcow2"
        image.write_bytes(gzip.decompress(body))
        assert image.read_bytes()[:4] == QCOW2_MAGIC
        info = json.loads(subprocess.run(["qemu-img", "info", "--output=json", str(image)],
                                         capture_output=True, check=True).stdout)
        assert info["virtual-size"] == 1 << 30


def test_image_export_then_import_in_another_region(sim):
    gw = CheckedGateway(sim.gateway())
    snapshot = _snapshot(gw, 2)
    image_id = gw.CreateImage(ImageName="exported-omi", RootDeviceName="/dev/sda1",
                              BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Bsu": {
                                  "SnapshotId": snapshot, "VolumeType": "gp2"}}])[
        "Image"]["ImageId"]
    _wait_image(gw, image_id)
    task = gw.CreateImageExportTask(ImageId=image_id, OsuExport={
        "DiskImageFormat": "qcow2", "OsuBucket": "exports", "OsuPrefix": "omis/"})[
        "ImageExportTask"]
    assert task["State"] == "pending/queued"
    task, seen = _wait(gw.ReadImageExportTasks, "ImageExportTasks", task["TaskId"])
    assert task["State"] == "completed", task["Comment"]
    assert {state for state, _ in seen} <= {"pending/queued", "pending", "completed"}
    assert gw.ReadImageExportTasks(Filters={"ImageIds": [image_id]})["ImageExportTasks"] == [
        task]

    manifest_url = task["OsuExport"]["OsuManifestUrl"]
    endpoint = sim.oos_endpoints[sim.region]
    bucket, _, key = manifest_url.removeprefix(endpoint + "/").partition("/")
    assert (bucket, key.startswith(f"omis/{image_id}/")) == ("exports", True)
    s3 = oos_client(sim, sim.region)
    signed = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key})
    with urllib.request.urlopen(signed, timeout=10) as response:
        manifest = json.loads(response.read())
    assert manifest["Version"] == 1
    assert manifest["Image"]["Name"] == "exported-omi"
    [entry] = manifest["Image"]["Snapshots"]
    assert (entry["Device"], entry["Size"], entry["VolumeType"]) == ("/dev/sda1", 2 << 30,
                                                                     "gp2")
    assert entry["Filename"].endswith(".qcow2.gz")

    there = CheckedGateway(region_gateway(sim, OTHER_REGION))
    imported = there.CreateImage(FileLocation=signed, ImageName="imported-omi")["Image"]
    assert imported["ImageId"] != image_id
    imported = _wait_image(there, imported["ImageId"])
    assert imported["State"] == "available"
    assert imported["FileLocation"] == signed
    [mapping] = imported["BlockDeviceMappings"]
    assert mapping["DeviceName"] == "/dev/sda1" and mapping["Bsu"]["VolumeSize"] == 2
    new_snapshot = mapping["Bsu"]["SnapshotId"]
    assert new_snapshot != snapshot
    assert there.ReadSnapshots(Filters={"SnapshotIds": [new_snapshot]})["Snapshots"][0][
        "State"] == "completed"
    assert gw.ReadImages(Filters={"ImageIds": [imported["ImageId"]]})["Images"] == []


def test_refusals_use_the_gateway_codes(sim):
    gw = sim.gateway()
    snapshot = _snapshot(gw, 1)
    wrong_format = _error(lambda: gw.CreateSnapshotExportTask(SnapshotId=snapshot, OsuExport={
        "DiskImageFormat": "vmdk", "OsuBucket": "exports"}))
    assert wrong_format["Code"] == "4047"
    no_bucket = _error(lambda: gw.CreateSnapshotExportTask(SnapshotId=snapshot, OsuExport={
        "DiskImageFormat": "raw", "OsuBucket": "no-such-bucket"}))
    assert no_bucket["Code"] == "4002"
    public = gw.ReadImages(Filters={"AccountAliases": ["Outscale"]})["Images"][0]["ImageId"]
    not_ours = _error(lambda: gw.CreateImageExportTask(ImageId=public, OsuExport={
        "DiskImageFormat": "qcow2", "OsuBucket": "exports"}))
    assert not_ours["Code"] == "5023"

    s3 = oos_client(sim, sim.region)
    s3.put_object(Bucket="exports", Key="not-json", Body=b"<xml/>")
    s3.put_object(Bucket="exports", Key="v2.json", Body=json.dumps(
        {"Version": 2, "Image": {"Snapshots": []}}).encode())

    def presigned(key: str) -> str:
        return s3.generate_presigned_url("get_object", Params={"Bucket": "exports", "Key": key})
    cases = {"ftp://example/manifest": "4074", presigned("missing.json"): "5031",
             presigned("not-json"): "4041", presigned("v2.json"): "4094"}
    for url, code in cases.items():
        assert _error(lambda u=url: gw.CreateImage(FileLocation=u, ImageName="never"))[
            "Code"] == code, url
    assert gw.ReadImages(Filters={"ImageNames": ["never"]})["Images"] == []


def test_a_failed_or_interrupted_task_ends_failed_with_a_comment(tmp_path):
    with running_simulator(tmp_path / "sim") as sim:
        gw = sim.gateway()
        oos_client(sim, sim.region).create_bucket(
            Bucket="exports", CreateBucketConfiguration={"LocationConstraint": sim.region})
        snapshot = _snapshot(gw, 1)
        export = {"DiskImageFormat": "raw", "OsuBucket": "exports"}

        sim.set_faults([{"operation": "CreateSnapshotExportTask", "kind": "fail", "rate": 1}])
        failing = gw.CreateSnapshotExportTask(SnapshotId=snapshot, OsuExport=export)[
            "SnapshotExportTask"]["TaskId"]
        task, _ = _wait(gw.ReadSnapshotExportTasks, "SnapshotExportTasks", failing)
        assert (task["State"], task["Comment"]) == ("failed", "injected failure")

        sim.set_faults([{"operation": "CreateSnapshotExportTask", "kind": "hang", "rate": 1}])
        hanging = gw.CreateSnapshotExportTask(SnapshotId=snapshot, OsuExport=export)[
            "SnapshotExportTask"]["TaskId"]
        sim.restart()
        task = sim.gateway().ReadSnapshotExportTasks(Filters={"TaskIds": [hanging]})[
            "SnapshotExportTasks"][0]
        assert task["State"] == "failed"
        assert "restart" in task["Comment"]


def test_delete_export_task_cancels_and_removes_what_was_written(tmp_path):
    with running_simulator(tmp_path / "sim") as sim:
        config = json.loads((sim.data_dir / "config.json").read_text())
        config["timings"] = {"export": 600}  # the task stays under way until cancelled
        (sim.data_dir / "config.json").write_text(json.dumps(config))
        sim.restart()
        gw = sim.gateway()
        s3 = oos_client(sim, sim.region)
        s3.create_bucket(Bucket="exports", CreateBucketConfiguration={
            "LocationConstraint": sim.region})
        snapshot = _snapshot(gw, 1)
        task_id = gw.CreateSnapshotExportTask(SnapshotId=snapshot, OsuExport={
            "DiskImageFormat": "qcow2", "OsuBucket": "exports"})["SnapshotExportTask"]["TaskId"]

        def objects() -> list[str]:
            return [o["Key"] for o in s3.list_objects_v2(Bucket="exports").get("Contents", [])]
        deadline = time.monotonic() + 60
        while not objects():  # uploaded; the task now waits out its delay
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert gw.ReadSnapshotExportTasks(Filters={"TaskIds": [task_id]})[
            "SnapshotExportTasks"][0]["State"] == "uploading"

        gw.DeleteExportTask(ExportTaskId=task_id)
        task = gw.ReadSnapshotExportTasks(Filters={"TaskIds": [task_id]})[
            "SnapshotExportTasks"][0]
        assert task["State"] == "cancelled"
        while objects():
            assert time.monotonic() < deadline, "the cancelled task left its objects"
            time.sleep(0.1)
        assert _error(lambda: gw.DeleteExportTask(ExportTaskId=task_id))["Code"] == "6003"
        assert _error(lambda: gw.DeleteExportTask(ExportTaskId="snap-export-00000000"))[
            "Code"] == "5058"


def test_snapshot_export_imported_with_create_snapshot_file_location(sim):
    gw = CheckedGateway(sim.gateway())
    snapshot = _snapshot(gw, 1)
    task_id = gw.CreateSnapshotExportTask(SnapshotId=snapshot, OsuExport={
        "DiskImageFormat": "qcow2", "OsuBucket": "exports", "OsuPrefix": "to-import/"})[
        "SnapshotExportTask"]["TaskId"]
    task, _ = _wait(gw.ReadSnapshotExportTasks, "SnapshotExportTasks", task_id)
    assert task["State"] == "completed", task["Comment"]
    s3 = oos_client(sim, sim.region)
    [key] = [o["Key"] for o in s3.list_objects_v2(Bucket="exports", Prefix="to-import/")[
        "Contents"]]
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "exports", "Key": key})

    there = CheckedGateway(region_gateway(sim, OTHER_REGION))
    assert _error(lambda: there._gateway.CreateSnapshot(FileLocation=url))["Code"] == "4046"
    imported = there.CreateSnapshot(FileLocation=url, SnapshotSize=1 << 30)["Snapshot"]
    assert imported["SnapshotId"] != snapshot and imported["VolumeSize"] == 1
    deadline = time.monotonic() + 60
    while (state := there.ReadSnapshots(Filters={"SnapshotIds": [imported["SnapshotId"]]})[
            "Snapshots"][0]["State"]) in ("in-queue", "pending"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state == "completed"

    too_small = there.CreateSnapshot(FileLocation=url, SnapshotSize=1 << 20)["Snapshot"]
    while (state := there.ReadSnapshots(Filters={"SnapshotIds": [too_small["SnapshotId"]]})[
            "Snapshots"][0]["State"]) in ("in-queue", "pending"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert state == "error"  # the disk does not fit in SnapshotSize
