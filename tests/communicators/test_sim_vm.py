"""The communicator and provisioners against a simulator VM: a real sandboxed Linux with
its own SSH server, users, sudo and authorized_keys, that refuses SSH while it boots."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import time

import asyncssh
import pytest

from osc_build.communicators import CommunicatorOptionsSchema, connect, connect_ssh
from osc_build.config import load_options
from osc_build.errors import BuildError
from osc_build.provision import ProvisionerCall, prepare_provisioners, run_provisioners
from osc_build.testing import captured_build
from osc_build_sim import backend as backend_types
from osc_build_sim import machine

BOOT_DELAY = 1.0
IMAGE = "snap-public-debian"
_ids = itertools.count(random.randrange(1 << 20))
_octets = itertools.count(random.randrange(1, 200) * 250)
CLIENT_KEY = asyncssh.generate_private_key("ssh-ed25519")  # the build's temporary key
CLIENT_PEM = CLIENT_KEY.export_private_key().decode()


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids):08x}"


@pytest.fixture
def build(tmp_path):
    return captured_build(tmp_path)


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    sim = machine.MachineBackend(tmp_path_factory.mktemp("sim"), ssh_delay=BOOT_DELAY)
    try:
        sim.ensure_public_image(IMAGE, "Minimal-Host-Userland-2026.01.15-0", 10)
        yield sim
    finally:
        sim.shutdown()


@pytest.fixture
def vm(backend, monkeypatch):
    """A VM just started: its SSH answers BOOT_DELAY seconds from now."""
    monkeypatch.setattr(connect, "RETRY_INTERVAL", 0.2)
    monkeypatch.setattr(connect, "AUTH_RETRY_INTERVAL", 0.2)
    root = new_id("vol")
    backend.create_volume(root, 10, IMAGE)
    n = next(_octets)
    spec = backend_types.VmSpec(
        new_id("i"), "/dev/sda1", (backend_types.DiskAttachment(root, "/dev/sda1"),),
        f"127.23.{n // 250 % 250}.{n % 250 + 1}", None, "outscale",
        (CLIENT_KEY.export_public_key().decode().strip(),))
    backend.start_vm(spec)
    yield spec
    backend.delete_vm(spec.vm_id)
    backend.delete_volume(root)


def options(**extra):
    return load_options(CommunicatorOptionsSchema,
                        {"ssh_username": "outscale", "ssh_timeout": "30s", **extra}, where="vm")


@pytest.mark.parametrize("method", [None, "sftp"], ids=["scp-default", "sftp"])
def test_provisioning_a_booting_vm(method, build, vm, tmp_path):
    """Files up and down (a file, a directory) and the shell provisioner's script upload,
    over scp (the default: the image has the scp program) and over SFTP."""
    started = time.monotonic()
    chosen = {"ssh_file_transfer_method": method} if method else {}
    comm = connect_ssh(build.ctx, vm.private_ip, options(**chosen), private_key_pem=CLIENT_PEM)
    assert time.monotonic() - started >= BOOT_DELAY * 0.8
    assert comm.settings.file_transfer == (method or "scp")
    files = tmp_path / "files"
    (files / "sub").mkdir(parents=True)
    (files / "app.conf").write_text("port=8080\n")
    (files / "sub" / "run.sh").write_text("#!/bin/sh\necho sub\n")
    (files / "sub" / "run.sh").chmod(0o750)
    calls = [
        ProvisionerCall("file", {"source": str(files), "destination": "/home/outscale"}),
        ProvisionerCall("shell", {
            "inline": ["install -m 644 /home/outscale/files/app.conf /etc/app.conf",
                       "echo uid=$(id -u) role=$ROLE"],
            "environment_vars": ["ROLE=web"],
            "execute_command": "sudo -E sh -c '{{ .Vars }} {{ .Path }}'"}),
        ProvisionerCall("file", {"source": "/etc/app.conf", "direction": "download",
                                 "destination": f"{tmp_path}/back/"}),
        ProvisionerCall("file", {"source": "/home/outscale/files/", "direction": "download",
                                 "destination": f"{tmp_path}/tree"}),
    ]
    with comm:
        run_provisioners(build.ctx, comm, prepare_provisioners(calls))
        assert comm.run("test -x /home/outscale/files/sub/run.sh") == 0
    assert "    outscale-bsu.main: uid=0 role=web" in build.output
    assert (tmp_path / "back" / "app.conf").read_text() == "port=8080\n"
    assert (tmp_path / "tree" / "app.conf").read_text() == "port=8080\n"
    assert (tmp_path / "tree" / "sub" / "run.sh").stat().st_mode & 0o777 == 0o750


def test_clear_authorized_keys_locks_the_temporary_key_out(build, vm):
    with connect_ssh(build.ctx, vm.private_ip, options(), private_key_pem=CLIENT_PEM) as comm:
        comm.clear_authorized_keys()
    with pytest.raises(BuildError, match=r"authentication .* failed 1 times"):
        connect_ssh(build.ctx, vm.private_ip, options(ssh_handshake_attempts=1),
                    private_key_pem=CLIENT_PEM)


def test_wrong_key_is_reported_after_the_handshake_attempts(build, vm):
    stranger = asyncssh.generate_private_key("ssh-ed25519").export_private_key().decode()
    with pytest.raises(BuildError, match="check ssh_username and the key or password"):
        connect_ssh(build.ctx, vm.private_ip, options(ssh_handshake_attempts=2),
                    private_key_pem=stranger)


@pytest.fixture
def local_agent(tmp_path, monkeypatch):
    """A real ssh-agent holding one key, as SSH_AUTH_SOCK of this process."""
    socket_path = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            assert time.monotonic() < deadline and agent.poll() is None, "ssh-agent did not start"
            time.sleep(0.05)
        key_file = tmp_path / "id_agent"
        key_file.write_bytes(asyncssh.generate_private_key(
            "ssh-ed25519", comment="osc-build-agent-test").export_private_key())
        key_file.chmod(0o600)
        subprocess.run(["ssh-add", str(key_file)], env={**os.environ,
                       "SSH_AUTH_SOCK": str(socket_path)}, capture_output=True, check=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(socket_path))
        yield socket_path
    finally:
        agent.kill()
        agent.wait()


def test_the_local_agent_is_forwarded_unless_disabled(build, vm, local_agent):
    """Packer's default: remote commands reach this machine's agent (ssh-add -l lists its key
    on the VM); ssh_disable_agent_forwarding = true keeps it home."""
    with connect_ssh(build.ctx, vm.private_ip, options(), private_key_pem=CLIENT_PEM) as comm:
        assert comm.run('echo "sock=$SSH_AUTH_SOCK"; ssh-add -l') == 0
        sock = build.output.split("sock=")[1].split("\n")[0]
        assert sock.startswith("/tmp/ssh-") and sock.endswith("/agent")
        assert comm.run(f"test -e {sock}") == 1  # gone with the command that had it
    assert "osc-build-agent-test (ED25519)" in build.output
    before = len(build.output)
    with connect_ssh(build.ctx, vm.private_ip, options(ssh_disable_agent_forwarding=True),
                     private_key_pem=CLIENT_PEM) as comm:
        assert comm.run('echo "sock=[$SSH_AUTH_SOCK]"; ssh-add -l') == 2
    assert "sock=[]" in build.output[before:]
    assert "osc-build-agent-test" not in build.output[before:]

