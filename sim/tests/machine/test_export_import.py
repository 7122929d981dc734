"""An OMI copied across Regions the OUTSCALE way boots with its files: export to OOS in
Region A, CreateImage from the pre-signed manifest in Region B with B's credentials."""

from __future__ import annotations

import time
from pathlib import Path

import fabric
import pytest

from osc_build_sim.boot import booted
from osc_build_sim.testing import booted_vm, oos_client, region_gateway, running_simulator

OTHER_REGION = "us-east-2"


def _connect(host: str, key: Path) -> fabric.Connection:
    config = fabric.Config(overrides={"run": {"in_stream": False, "hide": True}})
    deadline = time.monotonic() + 60
    while True:
        connection = fabric.Connection(host, user="outscale", config=config, connect_timeout=5,
                                       connect_kwargs={"key_filename": str(key),
                                                       "look_for_keys": False,
                                                       "allow_agent": False})
        try:
            connection.open()
            return connection
        except Exception:  # SSH not up yet
            assert time.monotonic() < deadline
            time.sleep(0.2)


def _until(read, done, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not done(item := read()):
        assert time.monotonic() < deadline, item
        time.sleep(0.1)
    return item


@pytest.mark.slow
def test_exported_omi_imported_in_another_region_boots_with_its_marker(tmp_path):
    with running_simulator(tmp_path / "sim", profile="instant", backend="machine") as sim:
        gw = sim.gateway()
        debian = gw.ReadImages(Filters={"ImageNames": ["Debian-12-*"],
                                        "AccountAliases": ["Outscale"]})["Images"][0]
        with booted(gw, debian["ImageId"]) as vm:
            key = tmp_path / "vm.pem"
            key.write_text(vm.private_key)
            key.chmod(0o600)
            with _connect(vm.host, key) as c:
                c.run("echo written-before-export > ~/marker.txt && sync")
            image_id = gw.CreateImage(VmId=vm.vm_id, ImageName="to-export", NoReboot=True)[
                "Image"]["ImageId"]
            _until(lambda: gw.ReadImages(Filters={"ImageIds": [image_id]})["Images"][0],
                   lambda image: image["State"] == "available")

        s3 = oos_client(sim, sim.region)
        s3.create_bucket(Bucket="omi-copies", CreateBucketConfiguration={
            "LocationConstraint": sim.region})
        task_id = gw.CreateImageExportTask(ImageId=image_id, OsuExport={
            "DiskImageFormat": "qcow2", "OsuBucket": "omi-copies", "OsuPrefix": "copies/"})[
            "ImageExportTask"]["TaskId"]
        task = _until(lambda: gw.ReadImageExportTasks(Filters={"TaskIds": [task_id]})[
            "ImageExportTasks"][0], lambda t: t["State"] in ("completed", "failed"))
        assert task["State"] == "completed", task["Comment"]
        bucket, _, key_name = task["OsuExport"]["OsuManifestUrl"].removeprefix(
            sim.oos_endpoints[sim.region] + "/").partition("/")
        manifest_url = s3.generate_presigned_url("get_object",
                                                 Params={"Bucket": bucket, "Key": key_name})

        there = region_gateway(sim, OTHER_REGION)
        imported = there.CreateImage(FileLocation=manifest_url, ImageName="imported")["Image"]
        imported = _until(lambda: there.ReadImages(Filters={"ImageIds": [
            imported["ImageId"]]})["Images"][0], lambda image: image["State"] != "pending")
        assert imported["State"] == "available", imported["StateComment"]

        with booted_vm(sim, imported["ImageId"], gateway=there) as c:
            marker = c.run("cat ~/marker.txt", hide=True, in_stream=False).stdout
        assert marker == "written-before-export\n"
