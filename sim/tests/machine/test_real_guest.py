"""A real Debian guest boots systemd as PID 1 (or says why not and falls back), does
cloud-init's work, and leaves nothing behind; images that cannot boot here say why."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from osc_build_sim.backend import BackendError
from osc_build_sim.machine import MachineBackend, guest_init
from osc_build_sim.testing import guest_image_cache

pytestmark = pytest.mark.slow  # the first run on a machine bootstraps Debian (1-3 minutes)
DEBIAN_SNAPSHOT = "snap-debian-12"
USER_DATA = b"#!/bin/sh\necho $(date +%s%N) >> /var/tmp/user-data-runs\n"


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[MachineBackend]:
    """The conftest's backend, with the machine-wide image cache (one bootstrap)."""
    machine = MachineBackend(tmp_path_factory.mktemp("sim-data"), metadata_address=None,
                             image_cache=guest_image_cache())
    try:
        machine.ensure_public_image(DEBIAN_SNAPSHOT, "Debian-12-2026.01.15-0", 10)
        yield machine
    finally:
        machine.shutdown()


def run(vm, keypair, helpers, command: str) -> str:
    with helpers.ssh(vm.spec.private_ip, keypair) as conn:
        return conn.run(command).stdout


def test_systemd_is_pid_1_and_the_guest_is_a_booted_debian(backend, boot_vm, keypair, helpers):
    vm = boot_vm(root_snapshot=DEBIAN_SNAPSHOT, user_data=USER_DATA)
    out = run(vm, keypair, helpers, "; ".join([
        "ps -p 1 -o comm=", "systemctl is-system-running --wait", "systemctl --failed --plain "
        "--no-legend | wc -l", "hostname", "cat /proc/sys/kernel/random/boot_id",
        "sudo -n id -un", "sudo journalctl -b -q -u osc-build-sim-ready | grep -c Finished",
        ". /etc/os-release; echo $ID-$VERSION_ID"])).splitlines()
    host_boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    assert out[:4] == ["systemd", "running", "0", vm.vm_id]
    assert out[4] != host_boot_id
    assert out[5:] == ["root", "1", "debian-12"]
    assert "Reached target" in backend.console_output(vm.vm_id)  # systemd's own console


def test_user_data_runs_once_and_a_second_boot_is_a_new_boot(backend, boot_vm, keypair,
                                                             helpers):
    vm = boot_vm(root_snapshot=DEBIAN_SNAPSHOT, user_data=USER_DATA)
    deadline = time.monotonic() + 30
    while run(vm, keypair, helpers, "cat /var/tmp/user-data-runs 2>/dev/null | wc -l") != "1\n":
        assert time.monotonic() < deadline, "the user data did not run"
        time.sleep(0.2)
    first_boot = run(vm, keypair, helpers, "cat /proc/sys/kernel/random/boot_id")
    backend.stop_vm(vm.vm_id)
    backend.start_vm(vm.spec)
    time.sleep(1)  # the user data would run again right after boot if it were going to
    assert run(vm, keypair, helpers, "systemctl is-system-running --wait; "
               "wc -l < /var/tmp/user-data-runs") == "running\n1\n"
    assert run(vm, keypair, helpers, "cat /proc/sys/kernel/random/boot_id") != first_boot


def test_a_stopped_guest_leaves_no_cgroup(backend, boot_vm, keypair, helpers):
    vm = boot_vm(root_snapshot=DEBIAN_SNAPSHOT)
    cgroup = (guest_init.host_cgroup2() / guest_init.CGROUP_PARENT / backend.cgroup_owner
              / vm.vm_id)
    assert (cgroup / "init.scope").is_dir()  # systemd made its tree under the VM's cgroup
    backend.stop_vm(vm.vm_id)
    assert not cgroup.exists()


def test_without_systemd_a_real_image_boots_the_minimal_init_and_says_so(
        tmp_path, monkeypatch, capsys, keypair, helpers):
    monkeypatch.setattr(guest_init, "why_no_systemd", lambda: "no cgroup2 here (test)")
    machine = MachineBackend(tmp_path, metadata_address=None, image_cache=guest_image_cache())
    try:
        assert ("systemd cannot be PID 1 of guests on this machine: no cgroup2 here (test); "
                "real images boot with the simulator's minimal init") in capsys.readouterr().err
        machine.ensure_public_image("snap-debian", "Debian-12-2026.01.15-0", 10)
        machine.create_volume("vol-fallback", 10, "snap-debian")
        from osc_build_sim.backend import DiskAttachment, VmSpec
        spec = VmSpec("i-fallback1", "/dev/sda1", (DiskAttachment("vol-fallback", "/dev/sda1"),),
                      helpers.new_ip(16), None, "outscale", (keypair.public,))
        machine.start_vm(spec)
        with helpers.ssh(spec.private_ip, keypair) as conn:
            assert conn.run("cat /proc/1/comm; . /etc/os-release; echo $ID").stdout == \
                "sh\ndebian\n"
    finally:
        machine.shutdown()


def test_an_image_of_an_unreachable_distribution_refuses_to_boot_saying_why(backend):
    with pytest.raises(BackendError, match=r"public image Ubuntu-24\.04-2026\.01\.10-0 cannot "
                       r"boot on this simulator: no package archive for Ubuntu is reachable"):
        backend.ensure_public_image("snap-ubuntu", "Ubuntu-24.04-2026.01.10-0", 10)


def test_reboot_inside_the_guest_boots_it_again(backend, boot_vm, keypair, helpers):
    vm = boot_vm(root_snapshot=DEBIAN_SNAPSHOT)
    before = run(vm, keypair, helpers, "cat /proc/sys/kernel/random/boot_id; "
                 "sudo touch /var/tmp/kept-across-reboot")
    with helpers.ssh(vm.spec.private_ip, keypair) as conn:
        conn.run("sudo systemctl reboot", warn=True)
    deadline = time.monotonic() + 60
    while True:
        try:
            after = run(vm, keypair, helpers, "cat /proc/sys/kernel/random/boot_id")
            if after != before:
                break
        except Exception:  # rebooting: SSH sessions fail for a moment, as on a VM
            pass
        assert time.monotonic() < deadline, "the VM did not come back after reboot"
        time.sleep(0.3)
    assert run(vm, keypair, helpers, "systemctl is-system-running --wait; ps -p 1 -o comm=; "
               "ls /var/tmp/kept-across-reboot") == \
        "running\nsystemd\n/var/tmp/kept-across-reboot\n"
    assert vm.vm_id in backend.running_vms()
