"""Boot an image on the running simulator and reach it: ``osc-build-sim ssh OMI_ID``.

Creates a keypair, a security group open to loopback on port 22 and a VM from
the image; everything is deleted when the session (or the block) ends.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

BOOT_TIMEOUT = 600.0  # the first boot of a real Debian image bootstraps it (about a minute)


@dataclass(frozen=True)
class BootedVm:
    vm_id: str
    host: str
    private_key: str  # OpenSSH/PEM text


def gateway(endpoint: str, region: str, access_key: str, secret_key: str):
    """An osc-sdk-python Gateway for a simulator (no retries, no client-side limit)."""
    from osc_sdk_python import Gateway
    from osc_sdk_python.credentials import Endpoint

    return Gateway(access_key=access_key, secret_key=secret_key, region=region,
                   endpoints=Endpoint(api=endpoint), max_retries=0, limiter_max_requests=10000)


@contextlib.contextmanager
def booted(gw, image_id: str, *, timeout: float = BOOT_TIMEOUT) -> Iterator[BootedVm]:
    """A running VM of ``image_id``; deleted with its keypair and group afterwards."""
    name = f"osc-build-sim-ssh-{int(time.time() * 1000)}"
    private_key = gw.CreateKeypair(KeypairName=name)["Keypair"]["PrivateKey"]
    group_id = gw.CreateSecurityGroup(SecurityGroupName=name, Description="osc-build-sim ssh"
                                      )["SecurityGroup"]["SecurityGroupId"]
    vm_id = None
    try:
        gw.CreateSecurityGroupRule(SecurityGroupId=group_id, Flow="Inbound", IpProtocol="tcp",
                                   FromPortRange=22, ToPortRange=22, IpRange="127.0.0.0/8")
        vm = gw.CreateVms(ImageId=image_id, KeypairName=name, SecurityGroupIds=[group_id],
                          VmType="tinav7.c1r1p1")["Vms"][0]
        vm_id = vm["VmId"]
        deadline = time.monotonic() + timeout
        while vm["State"] != "running":
            if time.monotonic() > deadline or vm["State"] in ("terminated", "stopped"):
                raise RuntimeError(f"VM {vm_id} is {vm['State']}: "
                                   f"{vm.get('StateReason') or 'boot did not finish'}")
            time.sleep(0.2)
            vm = gw.ReadVms(Filters={"VmIds": [vm_id]})["Vms"][0]
        yield BootedVm(vm_id, vm.get("PublicIp") or vm["PrivateIp"], private_key)
    finally:
        if vm_id:
            _delete_vm(gw, vm_id, timeout)
        gw.DeleteSecurityGroup(SecurityGroupId=group_id)
        gw.DeleteKeypair(KeypairName=name)


def _delete_vm(gw, vm_id: str, timeout: float) -> None:
    volumes = [m["Bsu"]["VolumeId"] for vm in gw.ReadVms(Filters={"VmIds": [vm_id]})["Vms"]
               for m in vm.get("BlockDeviceMappings") or []]
    gw.DeleteVms(VmIds=[vm_id])
    deadline = time.monotonic() + timeout
    while gw.ReadVms(Filters={"VmIds": [vm_id]})["Vms"][0]["State"] != "terminated":
        if time.monotonic() > deadline:
            return
        time.sleep(0.2)
    if volumes:  # those kept (DeleteOnVmDeletion false); the others are already deleting
        for volume in gw.ReadVolumes(Filters={"VolumeIds": volumes})["Volumes"]:
            if volume["State"] == "available":
                gw.DeleteVolume(VolumeId=volume["VolumeId"])
