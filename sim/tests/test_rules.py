"""Dependency rules, volumes, nets, public IPs, faults."""

import time

import pytest
import requests

from osc_build_sim.testing import CheckedGateway


def wait_for(read, state, timeout=15.0):
    deadline = time.monotonic() + timeout
    while (current := read()) != state:
        assert time.monotonic() < deadline, f"still {current!r}, wanted {state!r}"
        time.sleep(0.05)


def code_of(call, **kwargs):
    with pytest.raises(requests.HTTPError) as caught:
        call(**kwargs)
    return caught.value.response.status_code, caught.value.response.json()["Errors"][0]["Code"]


@pytest.fixture
def gw(simulator_session):
    return CheckedGateway(simulator_session.gateway())


def _debian(gw):
    return gw.ReadImages(Filters={"ImageNames": ["Debian-12-2026.01.15-0"]})["Images"][0]


def test_keypair_names_are_unique(gw):
    gw.CreateKeypair(KeypairName="unique")
    assert code_of(gw.CreateKeypair, KeypairName="unique") == (409, "9011")
    gw.DeleteKeypair(KeypairName="unique")


def test_volume_link_unlink_and_linked_volume_cannot_be_deleted(gw):
    vm = gw.CreateVms(ImageId=_debian(gw)["ImageId"])["Vms"][0]
    volume = gw.CreateVolume(SubregionName=vm["Placement"]["SubregionName"], Size=5)["Volume"]

    def volume_state():
        return gw.ReadVolumes(Filters={"VolumeIds": [volume["VolumeId"]]})["Volumes"][0]["State"]
    wait_for(volume_state, "available")
    wait_for(lambda: gw.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"], "running")
    gw.LinkVolume(VolumeId=volume["VolumeId"], VmId=vm["VmId"], DeviceName="/dev/xvdb")
    wait_for(lambda: [lv["State"] for lv in gw.ReadVolumes(
        Filters={"VolumeIds": [volume["VolumeId"]]})["Volumes"][0]["LinkedVolumes"]],
        ["attached"])
    assert code_of(gw.DeleteVolume, VolumeId=volume["VolumeId"]) == (409, "9004")
    gw.UnlinkVolume(VolumeId=volume["VolumeId"])
    wait_for(volume_state, "available")
    gw.DeleteVolume(VolumeId=volume["VolumeId"])
    gw.DeleteVms(VmIds=[vm["VmId"]])


def test_snapshot_backing_an_image_cannot_be_deleted(gw):
    volume = gw.CreateVolume(SubregionName="eu-west-2a", Size=2)["Volume"]
    wait_for(lambda: gw.ReadVolumes(Filters={"VolumeIds": [volume["VolumeId"]]})
             ["Volumes"][0]["State"], "available")
    snap = gw.CreateSnapshot(VolumeId=volume["VolumeId"])["Snapshot"]
    assert snap["State"] == "in-queue" and snap["Progress"] == 0  # spec: in-queue | pending | ...
    wait_for(lambda: gw.ReadSnapshots(Filters={"SnapshotIds": [snap["SnapshotId"]]})
             ["Snapshots"][0]["State"], "completed")
    image = gw.CreateImage(ImageName="from-snapshot", RootDeviceName="/dev/sda1",
                           BlockDeviceMappings=[{"DeviceName": "/dev/sda1",
                                                 "Bsu": {"SnapshotId": snap["SnapshotId"]}}])
    assert code_of(gw.DeleteSnapshot, SnapshotId=snap["SnapshotId"]) == (409, "6003")
    gw.UpdateSnapshot(SnapshotId=snap["SnapshotId"], PermissionsToCreateVolume={
        "Additions": {"AccountIds": ["999999999999"]}})
    gw.UpdateImage(ImageId=image["Image"]["ImageId"], Description="changed",
                   PermissionsToLaunch={"Additions": {"GlobalPermission": True}})
    read = gw.ReadImages(Filters={"ImageIds": [image["Image"]["ImageId"]]})["Images"][0]
    assert read["Description"] == "changed" and read["PermissionsToLaunch"]["GlobalPermission"]
    wait_for(lambda: gw.ReadImages(Filters={"ImageIds": [read["ImageId"]]})
             ["Images"][0]["State"], "available")  # only an available OMI can be copied
    copy = gw.CreateImage(SourceImageId=read["ImageId"], SourceRegionName="eu-west-2",
                          ImageName="copied")["Image"]
    assert copy["BlockDeviceMappings"][0]["Bsu"]["SnapshotId"] != snap["SnapshotId"]
    gw.DeleteImage(ImageId=read["ImageId"])
    gw.DeleteSnapshot(SnapshotId=snap["SnapshotId"])


def test_security_group_in_use_cannot_be_deleted(gw):
    net = gw.CreateNet(IpRange="10.0.0.0/16")["Net"]
    subnet = gw.CreateSubnet(NetId=net["NetId"], IpRange="10.0.1.0/24")["Subnet"]
    assert code_of(gw.CreateSubnet, NetId=net["NetId"], IpRange="10.0.1.128/25") == (409, "9058")
    group = gw.CreateSecurityGroup(SecurityGroupName="ssh", Description="ssh",
                                   NetId=net["NetId"])["SecurityGroup"]
    gw.CreateSecurityGroupRule(SecurityGroupId=group["SecurityGroupId"], Flow="Inbound",
                               IpProtocol="tcp", FromPortRange=22, ToPortRange=22,
                               IpRange="127.0.0.0/8")
    vm = gw.CreateVms(ImageId=_debian(gw)["ImageId"], SubnetId=subnet["SubnetId"],
                      SecurityGroupIds=[group["SecurityGroupId"]])["Vms"][0]
    assert vm["PrivateIp"].startswith("127.16.1.")
    assert "PublicIp" not in vm
    ip = gw.CreatePublicIp()["PublicIp"]
    assert ip["PublicIp"].startswith("127.")
    gw.LinkPublicIp(PublicIp=ip["PublicIp"], VmId=vm["VmId"])
    assert gw.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["PublicIp"] == ip["PublicIp"]
    assert code_of(gw.DeleteSecurityGroup,
                   SecurityGroupId=group["SecurityGroupId"]) == (409, "6003")
    gw.UnlinkPublicIp(PublicIp=ip["PublicIp"])
    gw.DeletePublicIp(PublicIp=ip["PublicIp"])
    gw.DeleteVms(VmIds=[vm["VmId"]])
    wait_for(lambda: gw.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"],
             "terminated")
    gw.DeleteSecurityGroup(SecurityGroupId=group["SecurityGroupId"])
    gw.DeleteSubnet(SubnetId=subnet["SubnetId"])
    gw.DeleteNet(NetId=net["NetId"])


def test_throttling_and_server_errors_on_demand(simulator):
    gw = simulator.gateway()
    simulator.set_faults([{"operation": "ReadVms", "kind": "throttle", "code": 25}])
    assert code_of(gw.ReadVms) == (429, "25")
    simulator.set_faults([{"operation": "*", "kind": "throttle", "code": 6}])
    assert code_of(gw.ReadKeypairs) == (503, "6")
    simulator.set_faults([{"operation": "ReadVms", "kind": "server-error", "rate": 0.5}],
                         seed=7)
    first = [_status(gw) for _ in range(12)]
    simulator.set_faults([{"operation": "ReadVms", "kind": "server-error", "rate": 0.5}],
                         seed=7)
    assert [_status(gw) for _ in range(12)] == first
    assert set(first) == {200, 500}


def _status(gw):
    try:
        gw.ReadVms()
    except requests.HTTPError as exc:
        return exc.response.status_code
    return 200


def test_transitions_that_fail_or_hang(simulator):
    gw = simulator.gateway()
    debian = _debian(gw)
    simulator.set_faults([{"operation": "CreateVms", "kind": "hang"}])
    hung = gw.CreateVms(ImageId=debian["ImageId"])["Vms"][0]
    simulator.set_faults([{"operation": "CreateVms", "kind": "fail"}])
    failed = gw.CreateVms(ImageId=debian["ImageId"])["Vms"][0]
    wait_for(lambda: gw.ReadVms(Filters={"VmIds": [failed["VmId"]]})["Vms"][0]["State"],
             "terminated")
    time.sleep(0.5)
    assert gw.ReadVms(Filters={"VmIds": [hung["VmId"]]})["Vms"][0]["State"] == "pending"
