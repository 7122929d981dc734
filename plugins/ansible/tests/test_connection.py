"""What ansible-playbook's OpenSSH gets: a 0600 key file gone after the run, the bastion."""

from __future__ import annotations

import shlex
import socket
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from osc_build.communicators.ssh import SshEndpoint
from osc_build.errors import BuildError
from osc_build_ansible.connection import ansible_target, endpoint_of, prepare_connection
from osc_build_ansible.workspace import PrivateDir

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkeybody\n-----END OPENSSH PRIVATE KEY-----"


def test_the_temporary_key_is_a_0600_file_in_a_0700_directory_removed_afterwards():
    with PrivateDir() as work:
        connection = prepare_connection(SshEndpoint("127.0.0.9", 22, "outscale",
                                                    private_key_pem=KEY), work)
        key = work.path / "id_vm"
        assert connection.key_file == str(key)
        assert key.read_text() == KEY + "\n"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert stat.S_IMODE(work.path.stat().st_mode) == 0o700
        directory = work.path
    assert not directory.exists()


def test_the_key_text_never_shows_in_the_endpoint_repr():
    assert "keybody" not in repr(SshEndpoint("h", 22, "u", private_key_pem=KEY, password="pw"))


def test_a_key_file_is_used_where_it_is_and_a_password_goes_in_a_0600_vars_file():
    with PrivateDir() as work:
        by_file = prepare_connection(SshEndpoint("h", 22, "u", private_key_file="~/k"), work)
        assert by_file.key_file.endswith("/k") and not by_file.key_file.startswith("~")
        by_password = prepare_connection(SshEndpoint("h", 22, "u", password="pw-123"), work)
        assert by_password.key_file is None
        vars_file = work.path / "connection.json"
        assert by_password.vars_file == str(vars_file)
        assert stat.S_IMODE(vars_file.stat().st_mode) == 0o600


def test_the_bastion_becomes_a_proxy_command_with_its_own_key():
    endpoint = SshEndpoint("10.0.0.4", 22, "outscale", private_key_pem=KEY,
                           bastion=SshEndpoint("127.0.0.7", 2201, "jump",
                                               private_key_file="/keys/bastion"))
    with PrivateDir() as work:
        connection = prepare_connection(endpoint, work)
    [no_host_keys, proxy] = [shlex.split(arg) for arg in connection.common_args]
    assert no_host_keys == ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    assert proxy[0] == "-o" and proxy[1].startswith("ProxyCommand=")
    command = shlex.split(proxy[1].removeprefix("ProxyCommand="))
    assert command[0] == "ssh" and command[-1] == "jump@127.0.0.7"
    assert command[command.index("-W"):command.index("-W") + 2] == ["-W", "%h:%p"]
    assert command[command.index("-p") + 1] == "2201"
    assert command[command.index("-i") + 1] == "/keys/bastion"


def test_a_password_only_bastion_is_refused_clearly():
    endpoint = SshEndpoint("10.0.0.4", 22, "u", private_key_pem=KEY,
                           bastion=SshEndpoint("b", 22, "u", password="secret-pw"))
    with PrivateDir() as work, pytest.raises(BuildError, match="bastion with a password"):
        prepare_connection(endpoint, work)


def test_without_an_ssh_communicator_the_error_says_what_to_use():
    with pytest.raises(BuildError, match='communicator = "ssh"'):
        endpoint_of(object())


def test_through_the_proxy_ansible_gets_the_proxys_key_never_the_vms_nor_the_bastion():
    endpoint = SshEndpoint("10.0.0.4", 22, "outscale", private_key_pem=KEY,
                           bastion=SshEndpoint("127.0.0.7", 2201, "jump",
                                               private_key_file="/keys/bastion"))
    config = SimpleNamespace(use_proxy=True, user=None, sftp_command="/usr/lib/sftp-server -e")
    with PrivateDir() as work:
        with ansible_target(config, object(), endpoint, work) as (target, connection):
            assert (target.host, target.username) == ("127.0.0.1", "outscale")
            with socket.create_connection((target.host, target.port), timeout=5) as probe:
                assert probe.recv(8).startswith(b"SSH-2.0-")  # the proxy answers there
            assert target.private_key_pem is None and target.bastion is None
            key = Path(connection.key_file)
            assert key.parent == work.path and key.name == "id_proxy"
            assert stat.S_IMODE(key.stat().st_mode) == 0o600
            assert "BEGIN EC PRIVATE KEY" in key.read_text() and "keybody" not in key.read_text()
            assert not any("ProxyCommand" in arg for arg in connection.common_args)
            assert sorted(p.name for p in work.path.iterdir()) == ["id_proxy"]  # no id_vm
        with pytest.raises(OSError):  # the proxy is gone with the block
            socket.create_connection((target.host, target.port), timeout=2).close()
        directory = work.path
    assert not directory.exists()
