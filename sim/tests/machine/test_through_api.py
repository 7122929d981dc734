"""The machine backend behind the OAPI server (``serve --backend machine``), driven by
plain osc-sdk-python and fabric: issue 4's acceptance end to end."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import fabric
import paramiko
import pytest

from osc_build_sim.machine import cleanup, loopdev
from osc_build_sim.testing import running_simulator

WAIT_FOR_PARTITION = "for i in $(seq 100); do [ -b /dev/xvdb1 ] && break; sleep 0.05; done"


def _wait(read, key: str, item_id: str, state: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        item = read(Filters={f"{key}Ids": [item_id]})[f"{key}s"][0]
        if item["State"] == state:
            return item
        assert time.monotonic() < deadline, f"{item_id} is {item['State']}, not {state}"
        time.sleep(0.05)


def _connect(vm: dict, key: Path) -> fabric.Connection:
    config = fabric.Config(overrides={"run": {"in_stream": False, "hide": True},
                                      "sudo": {"in_stream": False}})
    return fabric.Connection(vm.get("PublicIp") or vm["PrivateIp"], user="outscale",
                             config=config, connect_timeout=5,
                             connect_kwargs={"key_filename": str(key), "look_for_keys": False,
                                             "allow_agent": False, "banner_timeout": 5})


@pytest.mark.slow
def test_build_through_the_api_and_stop_leaves_nothing(tmp_path):
    data_dir = tmp_path / "sim"
    with running_simulator(data_dir, profile="instant", backend="machine") as sim:
        gw = sim.gateway()
        keypair = gw.CreateKeypair(KeypairName="build")["Keypair"]
        key = tmp_path / "build.pem"
        key.write_text(keypair["PrivateKey"])
        key.chmod(0o600)
        group = gw.CreateSecurityGroup(SecurityGroupName="ssh", Description="ssh")[
            "SecurityGroup"]["SecurityGroupId"]
        gw.CreateSecurityGroupRule(SecurityGroupId=group, Flow="Inbound", IpProtocol="tcp",
                                   FromPortRange=22, ToPortRange=22, IpRange="127.0.0.0/8")
        image = gw.ReadImages(Filters={"ImageNames": ["Minimal-Host-Userland-*"],
                                       "AccountAliases": ["Outscale"]})["Images"][0]
        second_disk = [{"DeviceName": "/dev/xvdb", "Bsu": {"VolumeSize": 1}}]

        started = time.monotonic()
        vm_id = gw.CreateVms(ImageId=image["ImageId"], KeypairName="build",
                             SecurityGroupIds=[group],
                             BlockDeviceMappings=second_disk)["Vms"][0]["VmId"]
        vm = _wait(gw.ReadVms, "Vm", vm_id, "running")
        assert vm["PrivateIp"].startswith("127.")
        with _connect(vm, key) as c:
            c.run("echo provisioned > ~/build.txt")
            print(f"CreateVms to SSH answering: {time.monotonic() - started:.2f} s")
            c.put(io.BytesIO(b"uploaded\n"), "/home/outscale/upload.txt")
            c.sudo("sh -c 'echo \",,L\" | sfdisk -q /dev/xvdb'")
            c.sudo(f"sh -c '{WAIT_FOR_PARTITION}'")
            c.sudo("mkfs.ext4 -q /dev/xvdb1")
            c.sudo("sh -c 'mkdir -p /data && mount /dev/xvdb1 /data && echo kept > /data/d'")

        gw.StopVms(VmIds=[vm_id])
        _wait(gw.ReadVms, "Vm", vm_id, "stopped")
        image_id = gw.CreateImage(VmId=vm_id, ImageName="built")["Image"]["ImageId"]
        _wait(gw.ReadImages, "Image", image_id, "available")
        new_id = gw.CreateVms(ImageId=image_id, KeypairName="build",
                              SecurityGroupIds=[group])["Vms"][0]["VmId"]
        new = _wait(gw.ReadVms, "Vm", new_id, "running")
        running_at = time.monotonic()
        with _connect(new, key) as c:
            c.run("true")
            print(f"running to SSH answering: {time.monotonic() - running_at:.2f} s")
            assert c.run("cat ~/build.txt ~/upload.txt").stdout == "provisioned\nuploaded\n"
            c.sudo(f"sh -c '{WAIT_FOR_PARTITION}'")
            c.sudo("sh -c 'mkdir -p /data && mount /dev/xvdb1 /data'")
            assert c.run("cat /data/d").stdout == "kept\n"
        console = gw.ReadConsoleOutput(VmId=new_id).get("ConsoleOutput", "")
        assert console  # a boot log (base64, as the real API returns it)

        unguarded = gw.CreateVms(ImageId=image["ImageId"], KeypairName="build")["Vms"][0]
        unguarded = _wait(gw.ReadVms, "Vm", unguarded["VmId"], "running")
        with pytest.raises((paramiko.SSHException, EOFError, ConnectionResetError)), \
                _connect(unguarded, key) as c:
            c.run("true")  # no rule for port 22 in its default group: refused

        root = (data_dir / "machine").resolve()
        assert loopdev.attached_under(root) and cleanup.sandbox_processes(root)
        stopped = subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir",
                                  str(data_dir), "stop"], capture_output=True, text=True)
        assert stopped.returncode == 0, stopped.stderr
        deadline = time.monotonic() + 30
        while loopdev.attached_under(root) or cleanup.sandbox_processes(root):
            assert time.monotonic() < deadline, "osc-build-sim stop left VMs or loop devices"
            time.sleep(0.1)
        assert str(root) not in Path("/proc/mounts").read_text()
