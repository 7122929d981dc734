"""End to end on machine-backend VMs (real disks, SSH): the example builds a root filesystem
on /dev/xvdf, its OMI boots as a new VM that answers over SSH with the provisioner's files;
the Go plugin's official surrogate example runs unchanged."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import fabric
import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import leftovers, running_simulator

DATA = Path(__file__).resolve().parents[3] / "tests" / "data" / "anchor-examples"  # unchanged
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture(scope="module")
def machine_sim(tmp_path_factory):
    # The official examples boot Ubuntu or Rocky Linux, which cannot boot on this machine (no
    # reachable archive): they test the builder, so they may boot the minimal image instead.
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine", stand_in_image="Minimal-Host-Userland") as handle:
        yield handle


def _build(sim, *args: str, cwd: Path):
    return run_osc_build("build", "--local", *args, cwd=cwd, timeout=300,
                         env={"OSC_BUILD_SIM_DATA": str(sim.data_dir)})


def _wait(read, key: str, item_id: str, state: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        items = read(Filters={f"{key}Ids": [item_id]})[f"{key}s"]
        if items and items[0]["State"] == state:
            return items[0]
        assert time.monotonic() < deadline, f"{item_id} is not {state}: {items}"
        time.sleep(0.1)


def _ssh(host: str, key: Path) -> fabric.Connection:
    config = fabric.Config(overrides={"run": {"in_stream": False, "hide": True}})
    return fabric.Connection(host, user="outscale", config=config, connect_timeout=5,
                             connect_kwargs={"key_filename": str(key), "look_for_keys": False,
                                             "allow_agent": False, "banner_timeout": 5})


@pytest.mark.slow
def test_example_omi_boots_from_the_provisioned_volume(machine_sim, tmp_path):
    sim, gw = machine_sim, machine_sim.gateway()
    result = _build(sim, "-var", "omi_name=surrogate-e2e", str(EXAMPLES / "surrogate.pkr.hcl"),
                    cwd=tmp_path)
    assert result.returncode == 0, result.output
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
    [image] = gw.ReadImages(Filters={"ImageNames": ["surrogate-e2e"]})["Images"]
    assert image["RootDeviceName"] == "/dev/sda1"
    [root] = image["BlockDeviceMappings"]
    assert root["DeviceName"] == "/dev/sda1"
    assert (root["Bsu"]["VolumeSize"], root["Bsu"]["VolumeType"],
            root["Bsu"]["DeleteOnVmDeletion"]) == (4, "standard", True)
    [snapshot] = gw.ReadSnapshots(Filters={"SnapshotIds": [root["Bsu"]["SnapshotId"]]})[
        "Snapshots"]
    assert snapshot["VolumeSize"] == 2  # the surrogate's /dev/xvdf, not its own root

    keypair = gw.CreateKeypair(KeypairName="check")["Keypair"]
    key = tmp_path / "check.pem"
    key.write_text(keypair["PrivateKey"])
    key.chmod(0o600)
    group = gw.CreateSecurityGroup(SecurityGroupName="check-ssh", Description="ssh")[
        "SecurityGroup"]["SecurityGroupId"]
    gw.CreateSecurityGroupRule(SecurityGroupId=group, Flow="Inbound", IpProtocol="tcp",
                               FromPortRange=22, ToPortRange=22, IpRange="127.0.0.0/8")
    vm_id = gw.CreateVms(ImageId=image["ImageId"], KeypairName="check",
                         SecurityGroupIds=[group])["Vms"][0]["VmId"]
    try:
        vm = _wait(gw.ReadVms, "Vm", vm_id, "running")
        [volume] = gw.ReadVolumes(Filters={"LinkVolumeVmIds": [vm_id]})["Volumes"]
        assert volume["Size"] == 4 and volume["SnapshotId"] == snapshot["SnapshotId"]
        with _ssh(vm.get("PublicIp") or vm["PrivateIp"], key) as conn:
            release = conn.run("cat /etc/surrogate-release").stdout
            user = conn.run("id -un").stdout.strip()
            keys = conn.run("cat ~/.ssh/authorized_keys").stdout
            root_fs = conn.run("cat /proc/self/mounts").stdout.splitlines()[0]
    finally:
        gw.DeleteVms(VmIds=[vm_id])
        _wait(gw.ReadVms, "Vm", vm_id, "terminated")
        gw.DeleteKeypair(KeypairName="check")
        gw.DeleteSecurityGroup(SecurityGroupId=group)
    assert release == "built by the outscale-bsusurrogate example\n"
    assert user == "outscale"
    assert len([line for line in keys.splitlines() if line.strip()]) >= 2  # copied + new
    assert root_fs.split()[1] == "/" and root_fs.split()[2] == "ext4"
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))


@pytest.mark.slow
def test_official_surrogate_example_runs_unchanged(machine_sim, tmp_path):
    for name in ("osc-bsusurrogate.pkr.hcl", "variables.auto.pkrvars.hcl"):
        shutil.copy(DATA / name, tmp_path / name)
    result = _build(machine_sim, "-var-file=variables.auto.pkrvars.hcl",
                    "osc-bsusurrogate.pkr.hcl", cwd=tmp_path)
    assert result.returncode == 0, result.output
    assert "us-east-2: ami-" in result.stdout
    [image] = [i for i in machine_sim.resources("image") if i["region"] == "us-east-2"
               and i["ImageName"].startswith("packer-example-")]
    [root] = image["BlockDeviceMappings"]
    assert (root["DeviceName"], root["Bsu"]["VolumeSize"], root["Bsu"]["VolumeType"]) == (
        "/dev/sda1", 20, "standard")
    assert "Iops" not in root["Bsu"]  # io1's iops do not follow a standard root
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
