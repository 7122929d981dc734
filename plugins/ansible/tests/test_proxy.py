"""The local SSH proxy of use_proxy = true, driven by OpenSSH's own ssh, sftp and scp.

Behind it, a stand-in VM: an asyncssh server on 127.0.0.1 that runs each command on this
machine (as the simulator's VMs run them in their sandbox), reached over a paramiko
transport as the communicator reaches the VM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
from pathlib import Path

import asyncssh
import paramiko
import pytest

from osc_build_ansible.proxy import SshProxy, is_scp, new_key, private_key_text

USER = "outscale"
SFTP_SERVER = "/usr/lib/openssh/sftp-server -e"  # this machine's (a host requirement)


class StandInVm:
    """An SSH server that runs commands here, with stdin, stdout and stderr piped."""

    def __init__(self) -> None:
        self.env = dict(os.environ)
        self.commands: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self._call(self._start())
        self.port = self.server.sockets[0].getsockname()[1]

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    async def _start(self):
        return await asyncssh.create_server(
            _NoAuth, "127.0.0.1", 0, process_factory=self._run, encoding=None,
            server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")])

    async def _run(self, process: asyncssh.SSHServerProcess) -> None:
        self.commands.append(process.command)
        local = await asyncio.create_subprocess_shell(
            process.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self.env)

        async def feed() -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                while data := await process.stdin.read(4096):
                    local.stdin.write(data)
                    await local.stdin.drain()
                local.stdin.close()

        async def pump(reader, writer) -> None:
            while data := await reader.read(4096):
                writer.write(data)

        feeding = asyncio.ensure_future(feed())
        await asyncio.gather(pump(local.stdout, process.stdout),
                             pump(local.stderr, process.stderr))
        status = await local.wait()
        feeding.cancel()
        process.exit(status)

    def close(self) -> None:
        self.server.close()
        with contextlib.suppress(Exception):
            self._call(self.server.wait_closed())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class _NoAuth(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return False


@pytest.fixture
def vm():
    server = StandInVm()
    yield server
    server.close()


@pytest.fixture
def proxy(vm, tmp_path):
    """The proxy in front of ``vm``; its client key in a 0600 file, as Ansible gets it."""
    transport = paramiko.Transport(("127.0.0.1", vm.port))
    transport.connect()
    transport.auth_none(USER)
    key = new_key()
    key_file = tmp_path / "id_proxy"
    key_file.write_text(private_key_text(key))
    key_file.chmod(0o600)
    with SshProxy(lambda: transport.open_session(timeout=10), user=USER, client_key=key,
                  sftp_command=SFTP_SERVER) as running:
        running.key_file = key_file
        yield running
    transport.close()


def openssh(program: str, proxy: SshProxy, *args: str, key: Path | None = None,
            input: str | None = None) -> subprocess.CompletedProcess:
    port_flag = "-p" if program == "ssh" else "-P"
    argv = [program, "-i", str(key or proxy.key_file), "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            port_flag, str(proxy.port), *args]
    return subprocess.run(argv, input=input, capture_output=True, text=True, timeout=15)


def test_exec_relays_stdin_stdout_stderr_and_the_exit_status(proxy, vm):
    result = openssh("ssh", proxy, "-T", f"{USER}@127.0.0.1",
                     "tr a-z A-Z; echo to-stderr >&2; exit 7", input="piped in\n")
    assert result.returncode == 7, result.stderr
    assert result.stdout == "PIPED IN\n"
    assert "to-stderr" in result.stderr
    assert vm.commands == ["tr a-z A-Z; echo to-stderr >&2; exit 7"]


def test_only_the_proxys_key_and_the_inventorys_user_get_in(proxy, vm, tmp_path):
    other = tmp_path / "other-key"
    other.write_text(private_key_text(new_key()))
    other.chmod(0o600)
    wrong_key = openssh("ssh", proxy, "-T", f"{USER}@127.0.0.1", "true", key=other)
    assert wrong_key.returncode == 255
    assert "Permission denied (publickey)" in wrong_key.stderr
    wrong_user = openssh("ssh", proxy, "-T", "root@127.0.0.1", "true")
    assert wrong_user.returncode == 255
    assert "Permission denied (publickey)" in wrong_user.stderr
    assert vm.commands == []  # nothing reached the VM


def test_the_sftp_subsystem_runs_sftp_command_on_the_vm(proxy, vm, tmp_path):
    (tmp_path / "src.txt").write_text("over sftp\n")
    batch = f"put {tmp_path / 'src.txt'} {tmp_path / 'dst.txt'}\n"
    result = openssh("sftp", proxy, "-b", "-", f"{USER}@127.0.0.1", input=batch)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dst.txt").read_text() == "over sftp\n"
    assert vm.commands == [SFTP_SERVER]


def test_scp_runs_the_vms_scp_and_its_absence_is_explained(proxy, vm, tmp_path):
    (tmp_path / "src.txt").write_text("over scp\n")
    copied = openssh("scp", proxy, "-O", str(tmp_path / "src.txt"),
                     f"{USER}@127.0.0.1:{tmp_path / 'dst.txt'}")
    assert copied.returncode == 0, copied.stderr
    assert (tmp_path / "dst.txt").read_text() == "over scp\n"
    assert vm.commands[0].startswith("scp ") and " -t " in vm.commands[0]
    fetched = openssh("scp", proxy, "-O", f"{USER}@127.0.0.1:{tmp_path / 'dst.txt'}",
                      str(tmp_path / "back.txt"))
    assert fetched.returncode == 0, fetched.stderr
    assert (tmp_path / "back.txt").read_text() == "over scp\n"
    assert vm.commands[1].startswith("scp ") and " -f " in vm.commands[1]

    vm.env["PATH"] = str(tmp_path / "no-programs-here")
    missing = openssh("scp", proxy, "-O", str(tmp_path / "src.txt"),
                      f"{USER}@127.0.0.1:{tmp_path / 'again.txt'}")
    assert missing.returncode != 0
    assert "the VM has no scp" in missing.stderr and "use_sftp = true" in missing.stderr
    assert proxy.findings.hints == [
        "the VM has no scp (use_sftp = false sends files with scp); install it in the image "
        "(openssh-client) or set use_sftp = true"]
    assert not (tmp_path / "again.txt").exists()


def test_a_missing_sftp_server_is_explained(vm, tmp_path):
    transport = paramiko.Transport(("127.0.0.1", vm.port))
    transport.connect()
    transport.auth_none(USER)
    key = new_key()
    key_file = tmp_path / "id_proxy"
    key_file.write_text(private_key_text(key))
    key_file.chmod(0o600)
    with SshProxy(transport.open_session, user=USER, client_key=key,
                  sftp_command="/nowhere/sftp-server -e") as proxy:
        proxy.key_file = key_file
        result = openssh("sftp", proxy, "-b", "-", f"{USER}@127.0.0.1", input="pwd\n")
    transport.close()
    assert result.returncode != 0
    assert "the VM has no '/nowhere/sftp-server' (sftp_command)" in result.stderr
    assert len(proxy.findings.hints) == 1


def test_scp_commands_are_recognised():
    assert is_scp("scp -t /tmp/x") and is_scp("/usr/bin/scp -v -f '/tmp/a b'")
    assert not is_scp("echo scp -t") and not is_scp("scp") and not is_scp("'unclosed")
