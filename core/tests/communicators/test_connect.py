"""Waiting for SSH: timeouts, cancellation, authentication retries, bastion, secrets."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from osc_build.communicators import connect, connect_ssh
from osc_build.errors import BuildError, ConfigError, Interrupted


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_listener():
    """Accepts TCP connections and never says a word, like a VM still booting."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


def test_timeout_when_nothing_listens(build, communicator_options):
    port = free_port()
    started = time.monotonic()
    with pytest.raises(BuildError) as info:
        connect_ssh(build.ctx, "127.0.0.1", communicator_options(
            ssh_username="u", ssh_password="pw-1234", ssh_port=port, ssh_timeout="1s"))
    assert 0.9 < time.monotonic() - started < 4
    message = str(info.value)
    assert f"timeout waiting for SSH on u@127.0.0.1:{port} after 1s" in message
    assert "Connection refused" in message or "Unable to connect" in message
    assert "raise ssh_timeout" in message


def test_cancel_stops_the_wait_within_a_second(build, silent_listener, communicator_options):
    threading.Timer(0.3, build.ctx.cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        connect_ssh(build.ctx, "127.0.0.1", communicator_options(
            ssh_username="u", ssh_password="pw-1234", ssh_port=silent_listener,
            ssh_timeout="1m"))
    assert time.monotonic() - started < 1.3


def test_authentication_failures_stop_after_handshake_attempts(build, make_server, options_for,
                                                               monkeypatch):
    monkeypatch.setattr(connect, "AUTH_RETRY_INTERVAL", 0.05)
    server = make_server(password="right-password")
    with pytest.raises(BuildError, match=r"authentication to builder@127\.0\.0\.1:.* failed 3 "
                                         "times"):
        connect_ssh(build.ctx, "127.0.0.1", options_for(
            server, ssh_password="wrong-password", ssh_handshake_attempts=3))
    assert server.state.logins == 0


def test_password_login_and_secret_redaction(build, make_server, options_for):
    server = make_server(password="s3cret-passw0rd")
    with connect_ssh(build.ctx, "127.0.0.1",
                     options_for(server, ssh_password="s3cret-passw0rd")) as comm:
        assert comm.run("echo pw is s3cret-passw0rd") == 0
    assert "pw is <redacted>" in build.output
    assert "s3cret-passw0rd" not in build.output


def test_private_key_lines_are_never_shown(build, server, options_for, client_pem, tmp_path):
    key_file = tmp_path / "id_test"
    key_file.write_text(client_pem)
    with connect_ssh(build.ctx, "127.0.0.1",
                     options_for(server, ssh_private_key_file=str(key_file))) as comm:
        assert comm.run(f"cat {key_file}") == 0
    body = [line for line in client_pem.splitlines() if not line.startswith("-----")]
    assert body and all(line not in build.output for line in body)
    assert "<redacted>" in build.output


def test_pause_before_connecting_reconnects(build, server, options_for, client_pem):
    with connect_ssh(build.ctx, "127.0.0.1", options_for(server, pause_before_connecting="200ms"),
                     private_key_pem=client_pem) as comm:
        assert comm.run("true") == 0
    assert "Pausing 0.2s before connecting..." in build.output
    assert server.state.logins == 2


def test_bastion_carries_the_connection(build, make_server, options_for, client_pem):
    bastion = make_server("bastion", password="bastion-pw", allow_forwarding=True)
    target = make_server("vm")
    options = options_for(target, ssh_bastion_host="127.0.0.1", ssh_bastion_port=bastion.port,
                          ssh_bastion_password="bastion-pw", ssh_host="127.0.0.1")
    with connect_ssh(build.ctx, "10.0.0.12", options,
                     private_key_pem=client_pem) as comm:
        assert comm.run("echo through the bastion") == 0
    assert bastion.state.forwarded == [("127.0.0.1", target.port)]
    assert target.state.commands == ["echo through the bastion"]
    assert "through the bastion" in build.output


def test_bastion_that_refuses_forwarding_is_reported(build, make_server, options_for,
                                                     client_pem):
    bastion = make_server("bastion", password="bastion-pw")
    target = make_server("vm")
    options = options_for(target, ssh_bastion_host="127.0.0.1", ssh_bastion_port=bastion.port,
                          ssh_bastion_password="bastion-pw", ssh_timeout="1s")
    with pytest.raises(BuildError, match="timeout waiting for SSH"):
        connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem)
    assert target.state.logins == 0


def test_no_credentials_is_a_config_error(build, communicator_options):
    with pytest.raises(ConfigError, match="no SSH credentials"):
        connect_ssh(build.ctx, "127.0.0.1", communicator_options(ssh_username="u"))


def test_unusable_key_is_a_config_error(build, communicator_options):
    with pytest.raises(ConfigError, match="temporary private key is not a usable private key"):
        connect_ssh(build.ctx, "127.0.0.1", communicator_options(ssh_username="u"),
                    private_key_pem="-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n")


def test_options_loaded_by_a_builder_schema_connect(build, server, client_pem):
    from osc_build.communicators import CommunicatorOptionsSchema
    from osc_build.config import load_options

    options = load_options(CommunicatorOptionsSchema, {
        "ssh_username": "builder", "ssh_port": server.port, "ssh_host": "127.0.0.1",
        "ssh_interface": "private_ip"}, where="source.outscale-bsu.main")
    with connect_ssh(build.ctx, "10.9.9.9", options, private_key_pem=client_pem) as comm:
        assert comm.settings.timeout == 600 and comm.settings.keep_alive == 5
        assert comm.run("true") == 0


@pytest.fixture
def ssh_agent(tmp_path, client_pem, monkeypatch):
    """A real ssh-agent holding the client key, found through SSH_AUTH_SOCK."""
    import subprocess

    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if sock.exists():
                break
            time.sleep(0.05)
        key = tmp_path / "agent_key"
        key.write_text(client_pem)
        key.chmod(0o600)
        subprocess.run(["ssh-add", str(key)], env={"SSH_AUTH_SOCK": str(sock)}, check=True,
                       capture_output=True)
        key.unlink()
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        yield sock
    finally:
        agent.terminate()
        agent.wait(5)


def test_agent_authentication(build, server, options_for, ssh_agent):
    with connect_ssh(build.ctx, "127.0.0.1", options_for(server, ssh_agent_auth=True)) as comm:
        assert comm.run("true") == 0
    assert server.state.logins == 1
