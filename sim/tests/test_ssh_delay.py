"""A booting VM refuses SSH: ``serve --ssh-delay`` and the config's ``machine.ssh_delay``.

During the delay a connection is refused at once (as by a real VM whose sshd is not up
yet), never left hanging; after it, the VM's SSH logs in.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest

from osc_build_sim.boot import booted
from osc_build_sim.config import ConfigError, default_document, parse
from osc_build_sim.testing import running_simulator

DELAY = 2.0


def _debian_image(sim) -> str:
    return next(i["ImageId"] for i in sim.resources("image")
                if i["ImageName"].startswith("Minimal-Host-Userland"))


def _login(host: str, private_key: str, key_file: Path) -> str:
    key_file.write_text(private_key)
    key_file.chmod(0o600)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(host, username="outscale", key_filename=str(key_file),
                       look_for_keys=False, allow_agent=False, timeout=5)
        _, stdout, _ = client.exec_command("hostname")
        return stdout.read().decode().strip()
    finally:
        client.close()


def _wait_for_ssh(host: str, started: float) -> None:
    while True:
        try:
            socket.create_connection((host, 22), timeout=5).close()
            return
        except ConnectionRefusedError:
            assert time.monotonic() - started < DELAY + 10, "SSH never came up"
            time.sleep(0.1)


def _assert_refused_then_served(sim, tmp_path: Path) -> None:
    gw = sim.gateway()
    with booted(gw, _debian_image(sim)) as vm:
        started = time.monotonic()
        # A public IP linked while the VM boots is refused as well (builders link one).
        ip = gw.CreatePublicIp()["PublicIp"]
        gw.LinkPublicIp(VmId=vm.vm_id, PublicIpId=ip["PublicIpId"])
        [private_ip] = [v["PrivateIp"] for v in gw.ReadVms()["Vms"] if v["VmId"] == vm.vm_id]
        hosts = (private_ip, ip["PublicIp"])
        try:
            for host in hosts:
                with pytest.raises(ConnectionRefusedError):  # refused at once, not a hang
                    socket.create_connection((host, 22), timeout=5).close()
            assert time.monotonic() - started < 1
            _wait_for_ssh(private_ip, started)
            # The timer runs from the VM's start, a little before it was seen running.
            assert time.monotonic() - started > DELAY - 1
            _wait_for_ssh(ip["PublicIp"], started)
            for host in hosts:
                assert _login(host, vm.private_key, tmp_path / "key") == vm.vm_id
        finally:
            gw.UnlinkPublicIp(PublicIp=ip["PublicIp"])
            gw.DeletePublicIp(PublicIp=ip["PublicIp"])  # public Cloud: PublicIp (spec)


@pytest.mark.slow
def test_serve_ssh_delay_flag_overrides_the_config(tmp_path):
    config = {**default_document(), "machine": {"ssh_delay": 600}}
    with running_simulator(tmp_path / "sim", profile="instant", backend="machine",
                           config=config, ssh_delay=DELAY) as sim:
        _assert_refused_then_served(sim, tmp_path)


@pytest.mark.slow
def test_config_machine_ssh_delay(tmp_path):
    config = {**default_document(), "machine": {"ssh_delay": DELAY}}
    with running_simulator(tmp_path / "sim", profile="instant", backend="machine",
                           config=config) as sim:
        _assert_refused_then_served(sim, tmp_path)


def test_config_ssh_delay_is_checked():
    assert parse(default_document()).ssh_delay == 0
    assert parse({**default_document(), "machine": {"ssh_delay": "1.5"}}).ssh_delay == 1.5
    with pytest.raises(ConfigError, match=r"cfg: machine.ssh_delay must be a number of "
                                          r"seconds >= 0, not -1"):
        parse({**default_document(), "machine": {"ssh_delay": -1}}, "cfg")
    with pytest.raises(ConfigError, match="cfg: invalid configuration"):
        parse({**default_document(), "machine": [30]}, "cfg")


@pytest.mark.parametrize(("args", "message"), [
    (["--ssh-delay", "2"], "osc-build-sim: --ssh-delay needs --backend machine"),
    (["--ssh-delay", "-1"], "argument --ssh-delay: '-1' is not a number of seconds >= 0"),
    (["--ssh-delay", "soon"], "argument --ssh-delay: 'soon' is not a number of seconds >= 0"),
])
def test_bad_ssh_delay_flag_is_one_clear_error(tmp_path, args, message):
    result = subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir",
                             str(tmp_path), "serve", *args], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "state.json").exists()
