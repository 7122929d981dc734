"""ClientToken: a create call repeated with the same token makes nothing new, and
ReadSnapshots/ReadVolumes find what a token made (how a client that never got the
answer finds its resource); ``late-answer`` faults make that window on demand."""

from __future__ import annotations

import time


def test_a_repeated_token_returns_the_first_snapshot_and_volume(simulator_session):
    simulator = simulator_session
    gateway = simulator.gateway()
    volume = gateway.CreateVolume(Size=1, SubregionName=f"{simulator.region}a",
                                  ClientToken="token-vol-1")["Volume"]
    again = gateway.CreateVolume(Size=1, SubregionName=f"{simulator.region}a",
                                 ClientToken="token-vol-1")["Volume"]
    assert again["VolumeId"] == volume["VolumeId"]
    found = gateway.ReadVolumes(Filters={"ClientTokens": ["token-vol-1"]})["Volumes"]
    assert [v["VolumeId"] for v in found] == [volume["VolumeId"]]
    other = gateway.CreateVolume(Size=1, SubregionName=f"{simulator.region}a")["Volume"]
    assert other["VolumeId"] != volume["VolumeId"]
    deadline = time.monotonic() + 30
    while gateway.ReadVolumes(Filters={"VolumeIds": [volume["VolumeId"]]}
                              )["Volumes"][0]["State"] != "available":
        assert time.monotonic() < deadline, "the volume never became available"
        time.sleep(0.05)
    snapshot = gateway.CreateSnapshot(VolumeId=volume["VolumeId"],
                                      ClientToken="token-snap-1")["Snapshot"]
    assert gateway.CreateSnapshot(VolumeId=volume["VolumeId"], ClientToken="token-snap-1"
                                  )["Snapshot"]["SnapshotId"] == snapshot["SnapshotId"]
    found = gateway.ReadSnapshots(Filters={"ClientTokens": ["token-snap-1"]})["Snapshots"]
    assert [s["SnapshotId"] for s in found] == [snapshot["SnapshotId"]]
    assert found[0]["ClientToken"] == "token-snap-1"


def test_a_late_answer_comes_after_the_call_is_done(simulator_session):
    simulator = simulator_session
    gateway = simulator.gateway()
    simulator.set_faults([{"operation": "CreateVolume", "kind": "late-answer", "ms": 600}])
    try:
        start = time.monotonic()
        volume = gateway.CreateVolume(Size=1, SubregionName=f"{simulator.region}a")["Volume"]
        assert time.monotonic() - start >= 0.6
        start = time.monotonic()
        gateway.ReadVolumes(Filters={"VolumeIds": [volume["VolumeId"]]})  # other calls: prompt
        assert time.monotonic() - start < 0.6
    finally:
        simulator.set_faults([])
