"""Read-after-write lag: API reads see writes N ms late (timing setting or fault rule)."""

from __future__ import annotations

import time

import pytest

from osc_build_sim.config import default_document
from osc_build_sim.testing import running_simulator

HOUR_MS = 3_600_000  # a lag that does not end while the test looks


def wait_until(predicate, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return value


def _vm_and_volume(gateway, region: str) -> tuple[dict, dict]:
    image = gateway.ReadImages(Filters={"ImageNames": ["Debian-12-*"]})["Images"][0]
    [vm] = gateway.CreateVms(ImageId=image["ImageId"], Placement={
        "SubregionName": f"{region}a"})["Vms"]
    volume = gateway.CreateVolume(Size=1, SubregionName=f"{region}a")["Volume"]
    return vm, volume


def _links(gateway, volume_id: str) -> list | None:
    found = gateway.ReadVolumes(Filters={"VolumeIds": [volume_id]})["Volumes"]
    return found[0]["LinkedVolumes"] if found else None


def test_a_lag_rule_hides_a_link_from_reads(simulator):
    gateway = simulator.gateway()
    vm, volume = _vm_and_volume(gateway, simulator.region)
    wait_until(lambda: gateway.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"]
               == "running", "the VM")
    wait_until(lambda: _links(gateway, volume["VolumeId"]) == [], "the volume")
    simulator.set_faults([{"operation": "LinkVolume", "kind": "lag", "ms": HOUR_MS}])
    gateway.LinkVolume(VolumeId=volume["VolumeId"], VmId=vm["VmId"], DeviceName="/dev/xvdb")
    # The write happened (the admin view is the truth), but reads show the old state.
    [truth] = [v for v in simulator.resources("volume") if v["VolumeId"] == volume["VolumeId"]]
    assert truth["State"] == "in-use" and truth["LinkedVolumes"]
    read = gateway.ReadVolumes(Filters={"VolumeIds": [volume["VolumeId"]]})["Volumes"][0]
    assert (read["State"], read["LinkedVolumes"]) == ("available", [])
    in_use = gateway.ReadVolumes(Filters={"VolumeStates": ["in-use"]})["Volumes"]
    assert volume["VolumeId"] not in [v["VolumeId"] for v in in_use]
    # Writes see the truth: a second link of the same volume is refused.
    with pytest.raises(Exception, match="6007"):
        gateway.LinkVolume(VolumeId=volume["VolumeId"], VmId=vm["VmId"],
                           DeviceName="/dev/xvdc")


def test_a_short_lag_rule_ends(simulator):
    gateway = simulator.gateway()
    vm, volume = _vm_and_volume(gateway, simulator.region)
    wait_until(lambda: gateway.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"]
               == "running", "the VM")
    wait_until(lambda: _links(gateway, volume["VolumeId"]) == [], "the volume")
    simulator.set_faults([{"operation": "LinkVolume", "kind": "lag", "ms": 300}])
    gateway.LinkVolume(VolumeId=volume["VolumeId"], VmId=vm["VmId"], DeviceName="/dev/xvdb")
    links = wait_until(lambda: _links(gateway, volume["VolumeId"]), "the link to show")
    assert links[0]["VmId"] == vm["VmId"]


def test_a_deletion_is_seen_late(simulator):
    gateway = simulator.gateway()
    name = f"gone-{time.monotonic_ns()}"
    gateway.CreateKeypair(KeypairName=name)
    simulator.set_faults([{"operation": "DeleteKeypair", "kind": "lag", "ms": HOUR_MS}])
    gateway.DeleteKeypair(KeypairName=name)
    assert name not in [k["KeypairName"] for k in simulator.resources("keypair")]
    assert name in [k["KeypairName"] for k in gateway.ReadKeypairs()["Keypairs"]]


@pytest.fixture(scope="module")
def lagging(tmp_path_factory):
    """A simulator whose every write stays hidden from reads for an hour."""
    config = default_document()
    config["timings"] = {"read_lag": HOUR_MS / 1000}
    with running_simulator(tmp_path_factory.mktemp("lagging"), config=config) as sim:
        yield sim


def test_the_timing_setting_lags_every_write(lagging):
    gateway = lagging.gateway()
    name = f"lag-{time.monotonic_ns()}"
    made = gateway.CreateKeypair(KeypairName=name)["Keypair"]
    assert made["KeypairName"] == name
    assert name not in [k["KeypairName"] for k in gateway.ReadKeypairs()["Keypairs"]]
    assert name in [k["KeypairName"] for k in lagging.resources("keypair")]
    gateway.DeleteKeypair(KeypairName=name)  # writes see it
    # Deleted, but the read still shows the state of an hour ago: not there yet either.
    assert name not in [k["KeypairName"] for k in gateway.ReadKeypairs()["Keypairs"]]


def test_a_created_image_is_seen_late(lagging):
    gateway = lagging.gateway()
    public = gateway.ReadImages(Filters={"ImageNames": ["Debian-12-*"]})["Images"][0]
    copy = gateway.CreateImage(SourceImageId=public["ImageId"],
                               ImageName=f"lag-{time.monotonic_ns()}")["Image"]
    assert not gateway.ReadImages(Filters={"ImageIds": [copy["ImageId"]]})["Images"]


def test_serve_read_lag_flag(tmp_path):
    with running_simulator(tmp_path / "sim", read_lag=HOUR_MS) as sim:
        gateway = sim.gateway()
        name = f"flag-{time.monotonic_ns()}"
        gateway.CreateKeypair(KeypairName=name)
        assert name not in [k["KeypairName"] for k in gateway.ReadKeypairs()["Keypairs"]]


def test_a_bad_lag_rule_is_refused(simulator):
    import urllib.error
    with pytest.raises(urllib.error.HTTPError, match="400"):
        simulator.set_faults([{"operation": "LinkVolume", "kind": "lag", "ms": -1}])
