"""The issue's acceptance flow with plain osc-sdk-python, every response spec-checked."""

import time

import pytest
import requests

from osc_build_sim.testing import CheckedGateway


def wait_for(read, state, timeout=15.0):
    deadline = time.monotonic() + timeout
    while (current := read()) != state:
        assert time.monotonic() < deadline, f"still {current!r}, wanted {state!r}"
        time.sleep(0.05)


def test_keypair_vm_image_tags_and_cleanup(simulator_session):
    gw = CheckedGateway(simulator_session.gateway())
    keypair = gw.CreateKeypair(KeypairName="acceptance")["Keypair"]
    assert keypair["PrivateKey"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    images = gw.ReadImages(Filters={"ImageNames": ["Debian-12-*"],
                                    "AccountAliases": ["Outscale"]})["Images"]
    assert {i["ImageName"] for i in images} >= {"Debian-12-2026.01.15-0"}
    assert all(i["ImageName"].startswith("Debian-12-") for i in images)
    source = max(images, key=lambda i: i["ImageName"])
    vm = gw.CreateVms(ImageId=source["ImageId"], KeypairName="acceptance",
                      VmType="tinav7.c1r1p1", UserData="IyEvYmluL3NoCg==")["Vms"][0]
    assert vm["State"] == "pending"
    assert vm["PrivateIp"].startswith("127.") and vm["PublicIp"].startswith("127.")

    def vm_state():
        return gw.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"]
    wait_for(vm_state, "running")
    gw.ReadVmsState(Filters={"VmIds": [vm["VmId"]]})
    gw.StopVms(VmIds=[vm["VmId"]])
    wait_for(vm_state, "stopped")
    image = gw.CreateImage(VmId=vm["VmId"], ImageName="acceptance-image",
                           Description="made by a test")["Image"]
    wait_for(lambda: gw.ReadImages(Filters={"ImageIds": [image["ImageId"]]})
             ["Images"][0]["State"], "available")
    gw.CreateTags(ResourceIds=[image["ImageId"]], Tags=[{"Key": "built-by", "Value": "test"}])
    back = gw.ReadImages(Filters={"Tags": ["built-by=test"]})["Images"]
    assert [i["ImageId"] for i in back] == [image["ImageId"]]
    assert back[0]["Tags"] == [{"Key": "built-by", "Value": "test"}]
    snapshots = [m["Bsu"]["SnapshotId"] for m in back[0]["BlockDeviceMappings"]]
    assert gw.ReadSnapshots(Filters={"SnapshotIds": snapshots})["Snapshots"][0]["State"] \
        == "completed"

    gw.DeleteImage(ImageId=image["ImageId"])
    for snapshot_id in snapshots:
        gw.DeleteSnapshot(SnapshotId=snapshot_id)
    gw.DeleteVms(VmIds=[vm["VmId"]])
    wait_for(vm_state, "terminated")
    gw.DeleteKeypair(KeypairName="acceptance")
    assert gw.ReadKeypairs(Filters={"KeypairNames": ["acceptance"]})["Keypairs"] == []
    assert gw.ReadVolumes(Filters={"LinkVolumeVmIds": [vm["VmId"]]})["Volumes"] == []
    log = simulator_session.requests()
    assert {"CreateKeypair", "CreateVms", "StopVms", "CreateImage", "CreateTags",
            "DeleteVms"} <= {entry["operation"] for entry in log}
    assert all(entry["account"] == simulator_session.account_id for entry in log
               if entry["operation"] == "CreateVms")


def test_dry_run_and_unauthenticated_calls(simulator_session):
    gw = CheckedGateway(simulator_session.gateway())
    assert set(gw.raw("ReadVms", DryRun=True)) == {"ResponseContext"}
    regions = requests.post(f"{simulator_session.endpoint}/ReadRegions", json={}, timeout=5)
    assert regions.status_code == 200
    assert {r["RegionName"] for r in regions.json()["Regions"]} >= {"eu-west-2", "us-east-2"}
    assert gw.ReadVmTypes(Filters={"VmTypeNames": ["tinav7.c1r1p1"]})["VmTypes"]
    assert gw.ReadAccounts()["Accounts"][0]["AccountId"] == simulator_session.account_id
    subregions = gw.ReadSubregions()["Subregions"]
    assert {s["SubregionName"] for s in subregions} == {"eu-west-2a", "eu-west-2b", "eu-west-2c"}


def test_pagination_walks_every_page(simulator_session):
    gw = CheckedGateway(simulator_session.gateway())
    every = gw.ReadImages(Filters={"AccountAliases": ["Outscale"]})["Images"]
    seen, token = [], None
    while True:
        page = gw.ReadImages(Filters={"AccountAliases": ["Outscale"]}, ResultsPerPage=4,
                             **({"NextPageToken": token} if token else {}))
        seen += page["Images"]
        assert len(page["Images"]) <= 4
        if not (token := page.get("NextPageToken")):
            break
    assert [i["ImageId"] for i in seen] == [i["ImageId"] for i in every]


@pytest.mark.parametrize(("pattern", "expected"), [
    ("RockyLinux-10-*", {"RockyLinux-10-2026.01.12-0"}),
    ("Ubuntu-24.04-*", {"Ubuntu-24.04-2025.11.20-0", "Ubuntu-24.04-2026.01.10-0"}),
    ("*-2026.01.08-0", {"RHEL-9-2026.01.08-0", "RHEL-10-2026.01.08-0"}),
    ("debian-12-*", set()),
])
def test_image_name_wildcards(simulator_session, pattern, expected):
    gw = simulator_session.gateway()
    names = {i["ImageName"] for i in gw.ReadImages(Filters={"ImageNames": [pattern]})["Images"]}
    assert names == expected
