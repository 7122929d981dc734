"""A VM is a sandbox: its own root, hostname, processes and (empty) network."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest


def test_vm_has_its_own_root_hostname_and_devices(boot_vm, keypair):
    vm = boot_vm(data_volumes=1)
    with vm.connect(keypair) as c:
        assert c.run("hostname", hide=True).stdout.strip() == vm.vm_id
        assert c.run("cat /proc/1/cmdline | tr '\\0' ' '", hide=True).stdout.startswith(
            "/bin/sh /run/osc-build-sim/init.sh")
        assert c.run("test -e /work || echo no-host-files", hide=True).stdout.strip() == \
            "no-host-files"
        devices = c.run("ls /dev", hide=True).stdout.split()
        for name in ("null", "zero", "random", "urandom", "tty", "pts", "sda1", "xvdb"):
            assert name in devices
        assert c.run("test -b /dev/xvdb && echo block", hide=True).stdout.strip() == "block"
        assert c.run("mount | grep ' /tmp '", hide=True).stdout.startswith("tmp on /tmp")


def test_vm_network_has_only_loopback_and_reaches_nothing(boot_vm, keypair):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    vm = boot_vm()
    try:
        with vm.connect(keypair) as c:
            interfaces = c.run("cut -d: -f1 /proc/net/dev | tail -n +3", hide=True).stdout
            assert interfaces.split() == ["lo"]
            started = time.monotonic()
            result = c.run(f"bash -c 'echo hi > /dev/tcp/127.0.0.1/{port}'", warn=True,
                           hide=True)
            assert result.exited != 0
            assert "Connection refused" in result.stderr
            assert time.monotonic() - started < 2
            outside = c.run("bash -c 'echo > /dev/tcp/192.0.2.1/80'", warn=True, hide=True)
            assert outside.exited != 0
            assert "unreachable" in outside.stderr
    finally:
        listener.close()


def test_rm_rf_root_inside_a_vm_leaves_the_host_intact(boot_vm, keypair, backend, tmp_path):
    sentinel = tmp_path / "host-file"
    sentinel.write_text("still here")
    vm = boot_vm(data_volumes=1)
    with vm.connect(keypair) as c:
        c.sudo("rm -rf --no-preserve-root /", warn=True, hide=True)
        # The VM itself is wrecked: no shell is left to run a command with.
        assert c.run("true", warn=True, hide=True).exited != 0
    assert sentinel.read_text() == "still here"
    assert Path("/usr/bin/bash").exists() and Path("/etc/passwd").exists()
    assert Path("/dev/null").exists()
    other = boot_vm()
    with other.connect(keypair) as c:
        assert c.run("cat /etc/hostname 2>/dev/null; hostname", hide=True).stdout.strip() \
            == other.vm_id


def test_user_data_runs_at_first_boot_and_console_shows_the_boot(boot_vm, backend, keypair):
    vm = boot_vm(user_data=b"#!/bin/sh\necho made-by-user-data > /root/marker\n")
    deadline = time.monotonic() + 5
    while "user data exited with 0" not in backend.console_output(vm.vm_id):
        assert time.monotonic() < deadline, backend.console_output(vm.vm_id)
        time.sleep(0.05)
    console = backend.console_output(vm.vm_id)
    assert f"first boot of {vm.vm_id}" in console
    assert "installed the keypair for outscale" in console
    with vm.connect(keypair) as c:
        assert c.sudo("cat /root/marker", hide=True).stdout.strip() == "made-by-user-data"
    backend.stop_vm(vm.vm_id)
    backend.start_vm(vm.spec)  # StartVms: same disks, no second first boot
    assert backend.console_output(vm.vm_id).count("cloud-init: running user data") == 1


def test_stop_and_start_keep_the_disks(boot_vm, backend, keypair):
    vm = boot_vm()
    with vm.connect(keypair) as c:
        c.run("echo kept > ~/file", hide=True)
    backend.stop_vm(vm.vm_id)
    with pytest.raises(OSError):
        socket.create_connection((vm.spec.private_ip, 22), timeout=2).close()
    backend.start_vm(vm.spec)
    with vm.connect(keypair) as c:
        assert c.run("cat ~/file", hide=True).stdout.strip() == "kept"
