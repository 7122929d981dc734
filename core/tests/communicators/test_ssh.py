"""The SSH communicator against a real SSH server on loopback."""

from __future__ import annotations

import threading
import time

import pytest

from osc_build.communicators import connect_ssh
from osc_build.communicators.ssh import DISCONNECTED
from osc_build.errors import BuildError, ConfigError, Interrupted
from osc_build.provision import CommandTimeout


@pytest.fixture
def comm(build, server, options_for, client_pem):
    """Over SFTP: test_scp.py runs the file tests again over scp (the default)."""
    communicator = connect_ssh(build.ctx, "127.0.0.1",
                               options_for(server, ssh_file_transfer_method="sftp"),
                               private_key_pem=client_pem)
    yield communicator
    communicator.close()


def test_connects_and_says_so(comm, build):
    assert "==> outscale-bsu.main: Waiting for SSH to become available..." in build.output
    assert "==> outscale-bsu.main: Connected to SSH!" in build.output


def test_exit_status_and_streamed_output(comm, build):
    assert comm.run("echo hello; echo oops >&2; exit 3") == 3
    assert "    outscale-bsu.main: hello\n" in build.output
    assert "    outscale-bsu.main: oops\n" in build.output
    assert comm.run("true") == 0


def test_environment_is_passed_quoted(comm, build):
    assert comm.run('echo "[$GREETING]"', env={"GREETING": "it's a 'test' $HOME"}) == 0
    assert "[it's a 'test' $HOME]" in build.output


def test_bad_environment_name_is_a_clear_error(comm):
    with pytest.raises(ConfigError, match="environment variable name 'A-B' is invalid"):
        comm.run("true", env={"A-B": "x"})


def test_timeout_stops_the_command(comm, server):
    started = time.monotonic()
    with pytest.raises(CommandTimeout, match=r"timed out after 0\.5s: sleep 30"):
        comm.run("sleep 30", timeout=0.5)
    assert time.monotonic() - started < 5
    assert comm.run("true") == 0  # the connection is still usable


def test_cancel_stops_a_running_command(comm, build):
    threading.Timer(0.3, build.ctx.cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        comm.run("sleep 30")
    assert time.monotonic() - started < 2


def test_disconnect_is_reported_then_reconnected(comm, server):
    assert comm.run("osc-build-test-disconnect") == DISCONNECTED
    assert comm.run("echo back") == 0
    assert server.state.logins == 2


def test_upload_and_download_files_keep_mode(comm, server, tmp_path):
    local = tmp_path / "tool.sh"
    local.write_text("#!/bin/sh\necho tool\n")
    local.chmod(0o751)
    remote_dir = server.state.workdir / "deep" / "er"
    comm.upload(local, f"{remote_dir}/")
    assert (remote_dir / "tool.sh").read_text() == local.read_text()
    assert (remote_dir / "tool.sh").stat().st_mode & 0o777 == 0o751
    back = tmp_path / "back" / "copy.sh"
    comm.download(str(remote_dir / "tool.sh"), back)
    assert back.read_text() == local.read_text()
    assert back.stat().st_mode & 0o777 == 0o751


def test_upload_and_download_directories(comm, server, tmp_path):
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "top.txt").write_text("top")
    (tree / "a" / "b" / "leaf.txt").write_text("leaf")
    remote = server.state.workdir / "copied"
    comm.upload(tree, str(remote))
    assert (remote / "a" / "b" / "leaf.txt").read_text() == "leaf"
    assert (remote / "top.txt").read_text() == "top"
    local = tmp_path / "downloaded"
    comm.download(f"{remote}/", local)
    assert (local / "a" / "b" / "leaf.txt").read_text() == "leaf"


def test_upload_content_and_missing_download(comm, server, tmp_path):
    target = server.state.workdir / "etc" / "motd"
    comm.upload_content("welcome\n", str(target), mode=0o600)
    assert target.read_text() == "welcome\n"
    assert target.stat().st_mode & 0o777 == 0o600
    with pytest.raises(BuildError, match=r"download of /nonexistent/x .* no such file"):
        comm.download("/nonexistent/x", tmp_path / "x")


def test_clear_authorized_keys_removes_only_our_key(comm, server, client_key):
    ours = client_key.export_public_key().decode().strip()
    keys = server.state.home / ".ssh" / "authorized_keys"
    keys.write_text(f"ssh-ed25519 AAAAOTHERKEY other@host\n{ours} osc-build-temp\n")
    comm.clear_authorized_keys()
    assert keys.read_text() == "ssh-ed25519 AAAAOTHERKEY other@host\n"
    assert not (server.state.home / ".ssh" / "authorized_keys.bak").exists()


def test_pty_is_requested_when_asked(build, server, options_for, client_pem):
    with connect_ssh(build.ctx, "127.0.0.1", options_for(server, ssh_pty=True),
                     private_key_pem=client_pem) as comm:
        assert comm.run("true") == 0


def test_cancel_stops_a_large_upload(comm, build, server, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (8 << 20))
    build.ctx.cancelled.set()
    with pytest.raises(Interrupted):
        comm.upload(big, str(server.state.workdir / "big.bin"))
    assert (server.state.workdir / "big.bin").stat().st_size < 8 << 20


def test_download_with_a_glob(comm, server, tmp_path):
    logs = server.state.workdir / "logs"
    logs.mkdir()
    for name in ("a.log", "b.log", "c.txt"):
        (logs / name).write_text(name)
    comm.download(f"{logs}/*.log", tmp_path / "got")
    assert sorted(p.name for p in (tmp_path / "got").iterdir()) == ["a.log", "b.log"]
    with pytest.raises(BuildError, match=r"download of .*\*\.gz: no file matches"):
        comm.download(f"{logs}/*.gz", tmp_path / "none")


def test_command_killed_by_a_signal_is_not_a_disconnection(comm):
    assert comm.run("kill -KILL $$") == 128 + 9
    assert comm.run("kill -TERM $$") == 128 + 15
    assert comm.run("true") == 0
