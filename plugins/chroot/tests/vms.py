"""Boot an OMI as a new simulator VM and read files in it over SSH."""

from __future__ import annotations

import time
from pathlib import Path

import fabric

REGION = "us-east-2"


def gateway(sim):
    from osc_sdk_python.credentials import Endpoint

    return sim.gateway(region=REGION, endpoints=Endpoint(api=sim.regions[REGION]))


def wait(read, key: str, item_id: str, state: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        item = read(Filters={f"{key}Ids": [item_id]})[f"{key}s"][0]
        if item["State"] == state:
            return item
        assert time.monotonic() < deadline, f"{item_id} is {item['State']}, not {state}"
        time.sleep(0.05)


def read_files_in_vm(sim, tmp_path: Path, image_id: str, paths: list[str]) -> dict[str, str]:
    """Boot ``image_id``, return {path: content} of ``paths``, delete the VM and its kit."""
    gw = gateway(sim)
    name = f"check-{image_id}"
    keypair = gw.CreateKeypair(KeypairName=name)["Keypair"]
    key = tmp_path / f"{name}.pem"
    key.write_text(keypair["PrivateKey"])
    key.chmod(0o600)
    group = gw.CreateSecurityGroup(SecurityGroupName=name, Description="ssh")[
        "SecurityGroup"]["SecurityGroupId"]
    vm_id = None
    try:
        gw.CreateSecurityGroupRule(SecurityGroupId=group, Flow="Inbound", IpProtocol="tcp",
                                   FromPortRange=22, ToPortRange=22, IpRange="127.0.0.0/8")
        vm_id = gw.CreateVms(ImageId=image_id, KeypairName=name,
                             SecurityGroupIds=[group])["Vms"][0]["VmId"]
        vm = wait(gw.ReadVms, "Vm", vm_id, "running")
        config = fabric.Config(overrides={"run": {"in_stream": False, "hide": True}})
        with fabric.Connection(vm.get("PublicIp") or vm["PrivateIp"], user="outscale",
                               config=config, connect_timeout=10,
                               connect_kwargs={"key_filename": str(key), "look_for_keys": False,
                                               "allow_agent": False}) as connection:
            return {path: connection.run(f"cat {path}", warn=True).stdout for path in paths}
    finally:
        if vm_id:
            gw.DeleteVms(VmIds=[vm_id])
            wait(gw.ReadVms, "Vm", vm_id, "terminated")
            for volume in gw.ReadVolumes()["Volumes"]:
                if volume["State"] == "available":
                    gw.DeleteVolume(VolumeId=volume["VolumeId"])
        gw.DeleteSecurityGroup(SecurityGroupId=group)
        gw.DeleteKeypair(KeypairName=name)
