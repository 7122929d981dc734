"""A guest that shuts itself down ends where its shutdown behaviour says (``stopped``, or
``terminated``); one that reboots itself stays ``running`` and comes back. Driven through
the OAPI server with the machine backend, over SSH, as a build's provisioner would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import fabric
import pytest

from osc_build_sim.testing import running_simulator


def _wait(gw, vm_id: str, state: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        vm = gw.ReadVms(Filters={"VmIds": [vm_id]})["Vms"][0]
        if vm["State"] == state:
            return vm
        assert time.monotonic() < deadline, f"{vm_id} is {vm['State']}, not {state}"
        time.sleep(0.05)


def _connect(vm: dict, key: Path) -> fabric.Connection:
    config = fabric.Config(overrides={"run": {"in_stream": False, "hide": True, "warn": True},
                                      "sudo": {"in_stream": False}})
    return fabric.Connection(vm["PrivateIp"], user="outscale", config=config,
                             connect_timeout=5,
                             connect_kwargs={"key_filename": str(key), "look_for_keys": False,
                                             "allow_agent": False, "banner_timeout": 5})


def _run_until_cut(vm: dict, key: Path, command: str) -> None:
    """Run a command that ends the VM: the session may end with it."""
    try:
        with _connect(vm, key) as conn:
            conn.run(command, timeout=30)
    except Exception:  # the VM went away under the session: what a poweroff does
        pass


@pytest.fixture(scope="module")
def cloud(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """A simulator with real VMs, a keypair and a security group that lets SSH in."""
    data_dir = tmp_path_factory.mktemp("sim")
    with running_simulator(data_dir, profile="instant", backend="machine") as sim:
        gw = sim.gateway()
        key = data_dir / "power.pem"
        key.write_text(gw.CreateKeypair(KeypairName="power")["Keypair"]["PrivateKey"])
        key.chmod(0o600)
        group = gw.CreateSecurityGroup(SecurityGroupName="ssh", Description="ssh")[
            "SecurityGroup"]["SecurityGroupId"]
        gw.CreateSecurityGroupRule(SecurityGroupId=group, Flow="Inbound", IpProtocol="tcp",
                                   FromPortRange=22, ToPortRange=22, IpRange="127.0.0.0/8")

        def launch(image_name: str = "Minimal-Host-Userland-*", **extra) -> dict:
            image = gw.ReadImages(Filters={"ImageNames": [image_name],
                                           "AccountAliases": ["Outscale"]})["Images"][0]
            vm_id = gw.CreateVms(ImageId=image["ImageId"], KeypairName="power",
                                 SecurityGroupIds=[group], **extra)["Vms"][0]["VmId"]
            return _wait(gw, vm_id, "running", timeout=300)

        yield SimpleNamespace(gw=gw, key=key, launch=launch)


@pytest.mark.parametrize("command", ["sudo poweroff", "sudo shutdown -h now", "sudo halt"])
def test_a_guest_that_powers_itself_off_is_stopped_and_starts_again(cloud, command):
    vm = cloud.launch()
    _run_until_cut(vm, cloud.key, command)
    _wait(cloud.gw, vm["VmId"], "stopped", timeout=30)
    cloud.gw.StartVms(VmIds=[vm["VmId"]])
    vm = _wait(cloud.gw, vm["VmId"], "running")
    with _connect(vm, cloud.key) as conn:
        assert conn.run("echo back").stdout == "back\n"
    cloud.gw.DeleteVms(VmIds=[vm["VmId"]])


@pytest.mark.parametrize("behaviour", [{"VmInitiatedShutdownBehavior": "terminate"},
                                       {"ShutdownBehaviorConfiguration":
                                        {"GuestAction": "terminate"}}])
def test_a_guest_that_powers_itself_off_with_terminate_behaviour_is_terminated(cloud,
                                                                                behaviour):
    vm = cloud.launch(**behaviour)
    root_volume = vm["BlockDeviceMappings"][0]["Bsu"]["VolumeId"]
    _run_until_cut(vm, cloud.key, "sudo poweroff")
    _wait(cloud.gw, vm["VmId"], "terminated", timeout=30)
    deadline = time.monotonic() + 30  # its root volume (DeleteOnVmDeletion) goes with it
    while cloud.gw.ReadVolumes(Filters={"VolumeIds": [root_volume]})["Volumes"]:
        assert time.monotonic() < deadline, "the terminated VM's root volume is still there"
        time.sleep(0.1)


@pytest.mark.parametrize(("command", "behaviour"), [
    ("sudo reboot", {}),
    ("sudo shutdown -r now", {}),
    ("sudo poweroff", {"VmInitiatedShutdownBehavior": "restart"}),  # "stops then restarts"
])
def test_a_guest_that_reboots_itself_stays_running_and_comes_back(cloud, command, behaviour):
    vm = cloud.launch(**behaviour)
    with _connect(vm, cloud.key) as conn:
        conn.run("touch /run/before-reboot")  # /run is a fresh tmpfs at each boot
    _run_until_cut(vm, cloud.key, command)
    deadline = time.monotonic() + 30
    while True:
        assert cloud.gw.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"] == \
            "running"
        try:
            with _connect(vm, cloud.key) as conn:
                if conn.run("ls /run/before-reboot").failed:
                    break  # a new boot answers
        except Exception:  # rebooting: sessions fail for a moment, as on a VM
            pass
        assert time.monotonic() < deadline, "the VM did not come back after reboot"
        time.sleep(0.2)
    assert cloud.gw.ReadVms(Filters={"VmIds": [vm["VmId"]]})["Vms"][0]["State"] == "running"
    cloud.gw.DeleteVms(VmIds=[vm["VmId"]])


@pytest.mark.slow  # a real Debian guest: the first run on a machine bootstraps it
def test_a_systemd_guest_that_powers_itself_off_is_stopped(cloud):
    vm = cloud.launch("Debian-12-*")
    with _connect(vm, cloud.key) as conn:
        assert conn.run("ps -p 1 -o comm=").stdout == "systemd\n"
    _run_until_cut(vm, cloud.key, "sudo systemctl poweroff")
    _wait(cloud.gw, vm["VmId"], "stopped", timeout=60)
    cloud.gw.DeleteVms(VmIds=[vm["VmId"]])
