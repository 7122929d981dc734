"""Documented intermediate states: a deleted VM's volumes pass through deleting; snapshots
go in-queue -> pending -> completed and deleting -> gone."""

from __future__ import annotations

import time

import pytest

from osc_build_sim.config import default_document
from osc_build_sim.testing import running_simulator, signed_post

HOUR = 3600.0  # a transition that does not end while the test looks at it


def wait_until(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return value


@pytest.fixture(scope="module")
def slow_deletes(tmp_path_factory):
    config = default_document()
    config["timings"] = {"volume_delete": HOUR, "snapshot": HOUR, "snapshot_delete": HOUR}
    with running_simulator(tmp_path_factory.mktemp("slow-deletes"), config=config) as sim:
        yield sim


def _boot(gateway) -> dict:
    image = gateway.ReadImages(Filters={"ImageNames": ["Debian-12-*"]})["Images"][0]
    [vm] = gateway.CreateVms(ImageId=image["ImageId"])["Vms"]
    wait_until(lambda: gateway.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"]
               == "running", "the VM to run")
    return gateway.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]


def _volume_state(gateway, volume_id: str) -> str | None:
    found = gateway.ReadVolumes(Filters={"VolumeIds": [volume_id]})["Volumes"]
    return found[0]["State"] if found else None


def test_a_deleted_vms_volume_is_deleting_before_it_vanishes(slow_deletes):
    gateway = slow_deletes.gateway()
    vm = _boot(gateway)
    volume_id = vm["BlockDeviceMappings"][0]["Bsu"]["VolumeId"]
    gateway.DeleteVms(VmIds=[vm["VmId"]])
    wait_until(lambda: gateway.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"]
               == "terminated", "the VM to terminate")
    volume = gateway.ReadVolumes(Filters={"VolumeIds": [volume_id]})["Volumes"][0]
    assert volume["State"] == "deleting"
    assert volume["LinkedVolumes"] == []
    states = gateway.ReadVolumes(Filters={"VolumeStates": ["deleting"]})["Volumes"]
    assert volume_id in [v["VolumeId"] for v in states]


def test_a_deleted_vms_volume_then_vanishes(simulator_session):
    gateway = simulator_session.gateway()
    vm = _boot(gateway)
    volume_id = vm["BlockDeviceMappings"][0]["Bsu"]["VolumeId"]
    gateway.DeleteVms(VmIds=[vm["VmId"]])
    wait_until(lambda: _volume_state(gateway, volume_id) is None, "the volume to vanish")


def test_a_snapshot_is_in_queue_until_its_copy_starts(slow_deletes):
    gateway = slow_deletes.gateway()
    [volume] = [gateway.CreateVolume(Size=1, SubregionName=f"{slow_deletes.region}a")["Volume"]]
    wait_until(lambda: _volume_state(gateway, volume["VolumeId"]) == "available",
               "the volume")
    slow_deletes.set_faults([{"operation": "CreateSnapshot", "kind": "hang"}])
    try:
        queued = gateway.CreateSnapshot(VolumeId=volume["VolumeId"])["Snapshot"]
    finally:
        slow_deletes.set_faults([])
    assert queued["State"] == "in-queue"
    snapshot = gateway.CreateSnapshot(VolumeId=volume["VolumeId"])["Snapshot"]
    assert snapshot["State"] == "in-queue"

    def state(snapshot_id):
        return gateway.ReadSnapshots(Filters={"SnapshotIds": [snapshot_id]})["Snapshots"][0][
            "State"]
    assert wait_until(lambda: state(snapshot["SnapshotId"]) != "in-queue",
                      "the copy to start") and state(snapshot["SnapshotId"]) == "pending"
    assert state(queued["SnapshotId"]) == "in-queue"  # its copy never started

    gateway.DeleteSnapshot(SnapshotId=snapshot["SnapshotId"])
    assert state(snapshot["SnapshotId"]) == "deleting"
    gateway.DeleteSnapshot(SnapshotId=snapshot["SnapshotId"])  # again: accepted, still deleting
    assert state(snapshot["SnapshotId"]) == "deleting"
    refused = signed_post(slow_deletes, "CreateVolume", {
        "SnapshotId": snapshot["SnapshotId"], "SubregionName": f"{slow_deletes.region}a"})
    assert (refused.status_code, refused.json()["Errors"][0]["Code"]) == (409, "6003")


def test_a_snapshot_completes_then_deleting_then_gone(simulator_session):
    gateway = simulator_session.gateway()
    volume = gateway.CreateVolume(Size=1, SubregionName=f"{simulator_session.region}a")["Volume"]
    wait_until(lambda: _volume_state(gateway, volume["VolumeId"]) == "available", "the volume")
    snapshot = gateway.CreateSnapshot(VolumeId=volume["VolumeId"])["Snapshot"]

    def found():
        return gateway.ReadSnapshots(Filters={"SnapshotIds": [snapshot["SnapshotId"]]})[
            "Snapshots"]
    wait_until(lambda: found()[0]["State"] == "completed", "the snapshot")
    assert found()[0]["Progress"] == 100
    gateway.DeleteSnapshot(SnapshotId=snapshot["SnapshotId"])
    wait_until(lambda: not found(), "the snapshot to vanish")
    gateway.DeleteVolume(VolumeId=volume["VolumeId"])
