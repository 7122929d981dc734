"""End to end on real simulator VMs: provisioners partition, format and fill a volume; after
the build it is detached, tagged, and a fresh VM reads the files back from it."""

from __future__ import annotations

import json
import time
from pathlib import Path

import fabric
import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import leftovers, running_simulator, tags_of

from .templates import template

VOLUME = """
  ssh_username = "outscale"
  ssh_timeout  = "2m"
  run_tags     = { Role = "volume-builder" }
  bsu_volumes {
    device_name = "/dev/xvdb"
    volume_size = 1
    volume_type = "gp2"
    tags        = { Name = "app-data", Source = "{{ .SourceOMI }}" }
  }
"""

PROVISIONERS = """
  provisioner "shell" {
    inline = [
      "echo ',,L' | sudo sfdisk -q /dev/xvdb",
      "for i in $(seq 200); do [ -b /dev/xvdb1 ] && break; sleep 0.05; done",
      "sudo mkfs.ext4 -q -L appdata /dev/xvdb1",
      "sudo mkdir -p /data && sudo mount /dev/xvdb1 /data && sudo chown outscale /data",
      "echo built-by-shell > /data/shell.txt",
    ]
  }
  provisioner "file" {
    source      = "app.conf"
    destination = "/data/app.conf"
  }
  provisioner "shell" {
    inline = ["sync", "sudo umount /data"]
  }
"""
WAIT_FOR_PARTITION = "for i in $(seq 200); do [ -b /dev/xvdf1 ] && break; sleep 0.05; done"


@pytest.fixture(scope="module")
def machine_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine") as handle:
        yield handle


def _build(sim, tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    (tmp_path / "app.conf").write_text("port=8080\n")
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template(VOLUME, communicator="ssh", provisioners=PROVISIONERS))
    return run_osc_build("build", "--local", *args, str(path), cwd=tmp_path,
                         env={"OSC_BUILD_SIM_DATA": str(sim.data_dir), **(env or {})},
                         timeout=300)


def _wait(read, key: str, item_id: str, state: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        items = read(Filters={f"{key}Ids": [item_id]})[f"{key}s"]
        if items and items[0]["State"] == state:
            return items[0]
        assert time.monotonic() < deadline, f"{item_id} is not {state}: {items}"
        time.sleep(0.05)


@pytest.mark.slow
def test_provisioned_volume_is_kept_and_readable_from_a_fresh_vm(machine_sim, tmp_path):
    sim = machine_sim
    started = time.monotonic()
    result = _build(sim, tmp_path)
    print(f"build: {time.monotonic() - started:.1f} s")
    assert result.returncode == 0, result.output
    [volume] = sim.resources("volume")
    [source] = [i for i in sim.resources("image")
                if i["ImageName"] == "Minimal-Host-Userland-2026.01.15-0"
                and i["region"] == sim.region]
    assert volume["State"] == "available" and volume["LinkedVolumes"] == []
    assert tags_of(volume) == {"Name": "app-data", "Source": source["ImageId"]}
    assert f"{sim.region}: {volume['VolumeId']} (/dev/xvdb)" in result.stdout
    assert leftovers(sim) == {"volume": [volume["VolumeId"]]}

    gateway = sim.gateway()
    key = tmp_path / "reader.pem"
    key.write_text(gateway.CreateKeypair(KeypairName="reader")["Keypair"]["PrivateKey"])
    key.chmod(0o600)
    group = gateway.CreateSecurityGroup(SecurityGroupName="reader", Description="ssh")[
        "SecurityGroup"]["SecurityGroupId"]
    gateway.CreateSecurityGroupRule(SecurityGroupId=group, Flow="Inbound", IpProtocol="tcp",
                                    FromPortRange=22, ToPortRange=22, IpRange="127.0.0.0/8")
    vm_id = gateway.CreateVms(ImageId=source["ImageId"], KeypairName="reader",
                              SecurityGroupIds=[group])["Vms"][0]["VmId"]
    try:
        vm = _wait(gateway.ReadVms, "Vm", vm_id, "running")
        gateway.LinkVolume(VolumeId=volume["VolumeId"], VmId=vm_id, DeviceName="/dev/xvdf")
        _wait(gateway.ReadVolumes, "Volume", volume["VolumeId"], "in-use")
        config = fabric.Config(overrides={"run": {"in_stream": False, "hide": True},
                                          "sudo": {"in_stream": False}})
        with fabric.Connection(vm["PrivateIp"], user="outscale", config=config,
                               connect_timeout=5, connect_kwargs={
                                   "key_filename": str(key), "look_for_keys": False,
                                   "allow_agent": False, "banner_timeout": 5}) as ssh:
            ssh.sudo(f"sh -c '{WAIT_FOR_PARTITION}'")
            ssh.sudo("sh -c 'mkdir -p /mnt/data && mount /dev/xvdf1 /mnt/data'")
            assert ssh.run("cat /mnt/data/shell.txt /mnt/data/app.conf").stdout == \
                "built-by-shell\nport=8080\n"
            assert ssh.sudo("blkid -s LABEL -o value /dev/xvdf1").stdout.strip() == "appdata"
    finally:
        gateway.DeleteVms(VmIds=[vm_id])
        _wait(gateway.ReadVms, "Vm", vm_id, "terminated")
        gateway.DeleteSecurityGroup(SecurityGroupId=group)
        gateway.DeleteKeypair(KeypairName="reader")
        for left in sim.resources("volume"):
            if left["State"] == "available":
                gateway.DeleteVolume(VolumeId=left["VolumeId"])


@pytest.mark.slow
def test_failure_after_provisioning_deletes_the_filled_volume(machine_sim, tmp_path):
    sim = machine_sim
    result = _build(sim, tmp_path, env={"OSC_BUILD_FAULT_STEP": "detach the volumes"})
    assert result.returncode == 1, result.output
    assert "Provisioning with file..." in result.stdout, result.stdout
    assert "step 'detach the volumes': fault injected" in result.stdout
    deadline = time.monotonic() + 30
    while leftovers(sim):  # the previous test's deletes may still be under way
        assert time.monotonic() < deadline, json.dumps(leftovers(sim))
        time.sleep(0.1)
