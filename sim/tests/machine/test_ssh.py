"""Each VM's SSH: key login, exec, pty, SFTP confined to the VM, security groups, boot delay."""

from __future__ import annotations

import io
import socket
import time

import asyncssh
import paramiko
import pytest

from osc_build_sim.backend import BackendError, DiskAttachment, VmSpec
from osc_build_sim.machine import MachineBackend


def test_exec_reports_status_streams_and_environment(boot_vm, keypair):
    vm = boot_vm()
    with vm.connect(keypair) as c:
        result = c.run("echo out; echo err >&2; exit 3", warn=True)
        assert (result.stdout, result.stderr, result.exited) == ("out\n", "err\n", 3)
        assert c.run("echo $GREETING", env={"GREETING": "hello"}).stdout == "hello\n"
        assert c.run("id -un; pwd").stdout.split() == ["outscale", "/home/outscale"]
        assert c.run("seq 1 100000 | wc -l").stdout.strip() == "100000"


def test_pty_session_has_a_terminal_inside_the_vm(boot_vm, keypair):
    vm = boot_vm()
    with vm.connect(keypair) as c:
        result = c.run("tty; echo $TERM; stty size", pty=True)
        lines = result.stdout.replace("\r", "").split("\n")
        assert lines[0].startswith("/dev/pts/")
        assert lines[1]


def test_sudo_for_the_default_user(boot_vm, keypair):
    vm = boot_vm()
    with vm.connect(keypair) as c:
        assert c.sudo("id -u").stdout.strip() == "0"


def test_sftp_is_confined_to_the_vm(boot_vm, keypair):
    vm = boot_vm()
    with vm.connect(keypair) as c:
        c.put(io.BytesIO(b"uploaded"), "/home/outscale/upload.txt")
        assert c.run("cat ~/upload.txt").stdout == "uploaded"
        sftp = c.sftp()
        assert "work" not in sftp.listdir("/")  # this machine's /work is not in the VM
        assert sftp.open("/etc/os-release").read().startswith(b'NAME="osc-build-sim')
        with pytest.raises(PermissionError):
            sftp.open("/root/secret", "w")  # and it runs as the user, not as root


def test_wrong_key_is_rejected(boot_vm, keypair, tmp_path):
    vm = boot_vm()
    stranger = tmp_path / "stranger"
    stranger.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    with pytest.raises(paramiko.AuthenticationException):
        client.connect(vm.spec.private_ip, username="outscale", key_filename=str(stranger),
                       look_for_keys=False, allow_agent=False, timeout=5)
    client.close()


def test_public_and_private_ips_are_loopback_and_both_serve_ssh(boot_vm, keypair):
    vm = boot_vm()
    for ip in (vm.spec.private_ip, vm.spec.public_ip):
        assert ip.startswith("127.")
        with vm.connect(keypair, host=ip) as c:
            assert c.run("hostname").stdout.strip() == vm.vm_id


def test_security_groups_refuse_clients_without_a_rule(boot_vm, keypair):
    allowed_client = "127.0.0.1"
    vm = boot_vm(is_allowed=lambda ip, port: ip == allowed_client and port == 22)
    with vm.connect(keypair) as c:
        assert c.run("true").exited == 0
    refused = socket.socket()
    refused.bind(("127.0.0.2", 0))  # a client address no rule allows
    refused.settimeout(5)
    with pytest.raises(ConnectionResetError):  # reset before any SSH banner
        refused.connect((vm.spec.private_ip, 22))  # the reset may even beat connect()
        refused.recv(100)
    refused.close()


def test_ssh_answers_only_after_the_boot_delay(tmp_path, keypair, helpers):
    machine = MachineBackend(tmp_path, ssh_delay=1.0, metadata_address=None)
    try:
        machine.ensure_public_image("snap-pub", "Minimal-Host-Userland", 10)
        machine.create_volume("vol-root", 10, "snap-pub")
        spec = VmSpec(helpers.new_id("i"), "/dev/sda1",
                      (DiskAttachment("vol-root", "/dev/sda1"),), helpers.new_ip(16), None,
                      "outscale", (keypair.public,))
        machine.start_vm(spec)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((spec.private_ip, 22), timeout=1).close()
        time.sleep(1.3)
        with helpers.ssh(spec.private_ip, keypair) as c:
            assert c.run("hostname").stdout.strip() == spec.vm_id
    finally:
        machine.shutdown()


def test_public_ip_linked_while_running_serves_ssh_until_unlinked(backend, boot_vm, keypair,
                                                                  helpers):
    vm = boot_vm(public_ip=False)
    public_ip = helpers.new_ip(64)
    backend.link_public_ip(vm.vm_id, public_ip)
    with vm.connect(keypair, host=public_ip) as c:
        assert c.run("hostname").stdout.strip() == vm.vm_id
    backend.unlink_public_ip(vm.vm_id, public_ip)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((public_ip, 22), timeout=2).close()


def test_an_address_already_in_use_fails_the_start_with_a_clear_error(backend, boot_vm,
                                                                      helpers, keypair):
    taken = helpers.new_ip(16)
    squatter = socket.create_server((taken, 22))
    spec = VmSpec(helpers.new_id("i"), "/dev/sda1", (DiskAttachment("vol-none", "/dev/sda1"),),
                  taken, None, "outscale", (keypair.public,))
    try:
        backend.create_volume("vol-none", 10, "snap-public-debian")
        with pytest.raises(BackendError, match=f"cannot serve SSH for VM {spec.vm_id} on {taken}"):
            backend.start_vm(spec)
        assert spec.vm_id not in backend.running_vms()
    finally:
        squatter.close()
        backend.delete_vm(spec.vm_id)
        backend.delete_volume("vol-none")
