"""A real SSH server on 127.0.0.1 (asyncssh) that runs commands on this host, for the
communicator and provisioner tests; and a build context whose output the tests read."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from osc_build.communicators import CommunicatorOptionsSchema
from osc_build.config import load_options
from osc_build.testing import CapturedBuild, captured_build

USER = "builder"
# A command on the server's PATH: it prints this token, and the server then drops the
# connection, as a rebooting VM does.
DISCONNECT_COMMAND = "osc-build-test-disconnect"
DISCONNECT_TOKEN = b"<<osc-build-test: drop the connection>>"


@dataclass
class ServerState:
    workdir: Path
    home: Path
    password: str | None = None
    allow_forwarding: bool = False
    forwarded: list[tuple[str, int]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    logins: int = 0
    refuse_auth: bool = False
    sftp: bool = True  # False: an SSH server without the SFTP subsystem
    scp: bool = True  # False: no scp program on the server's PATH
    authorized_keys: str | None = None  # default: the client key; e.g. a cert-authority line


class _Server(asyncssh.SSHServer):
    def __init__(self, state: ServerState) -> None:
        self.state = state

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return self.state.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        return (not self.state.refuse_auth and username == USER
                and password == self.state.password)

    def auth_completed(self) -> None:
        self.state.logins += 1

    def server_requested(self, listen_host, listen_port):
        return self.state.allow_forwarding  # remote forwarding: asyncssh listens here

    def connection_requested(self, dest_host, dest_port, orig_host, orig_port):
        if not self.state.allow_forwarding:
            return False
        self.state.forwarded.append((dest_host, dest_port))
        return True


async def _run_process(state: ServerState, env: dict[str, str],
                       process: asyncssh.SSHServerProcess) -> None:
    command = process.command or ""
    state.commands.append(command)
    if command.startswith("scp "):
        await _run_with_stdin(state, env, process)
        return
    proc = await asyncio.create_subprocess_shell(
        command, cwd=state.workdir, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True)

    async def pump(reader, writer) -> None:
        while data := await reader.read(4096):
            if DISCONNECT_TOKEN in data:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                process.channel.get_extra_info("connection").abort()
                return
            with contextlib.suppress(Exception):
                writer.write(data)

    pumps = asyncio.gather(pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr))
    closed = asyncio.ensure_future(process.stdin.read())  # ends when the client closes
    done, _ = await asyncio.wait({asyncio.ensure_future(proc.wait()), closed},
                                 return_when=asyncio.FIRST_COMPLETED)
    if closed in done and proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        await proc.wait()
        await pumps
        return
    closed.cancel()
    await pumps
    if proc.returncode < 0:  # as OpenSSH does for a command killed by a signal
        process.exit_with_signal(signal.Signals(-proc.returncode).name[3:])
    else:
        process.exit(proc.returncode)


async def _run_with_stdin(state: ServerState, env: dict[str, str],
                          process: asyncssh.SSHServerProcess) -> None:
    """A command that reads the client's input (scp -t / -f speaks its protocol on it)."""
    proc = await asyncio.create_subprocess_shell(
        process.command, cwd=state.workdir, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, start_new_session=True)

    async def feed() -> None:
        while data := await process.stdin.read(4096):
            proc.stdin.write(data)
            await proc.stdin.drain()
        proc.stdin.close()

    async def pump(reader, writer) -> None:
        while data := await reader.read(4096):
            writer.write(data)

    feeding = asyncio.ensure_future(feed())
    await asyncio.gather(pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr))
    await proc.wait()
    feeding.cancel()
    process.exit(proc.returncode)


def _path_without(folder: Path, command: str, path: str) -> str:
    """A PATH of one folder linking every program of ``path`` except ``command``."""
    folder.mkdir()
    for directory in reversed(path.split(os.pathsep)):
        with contextlib.suppress(OSError):
            for name in os.listdir(directory):
                link = folder / name
                if name != command and not link.exists():
                    link.symlink_to(os.path.join(directory, name))
    return str(folder)


class SshTestServer:
    """One asyncssh server in its own thread and event loop."""

    def __init__(self, tmp: Path, client_key: asyncssh.SSHKey, **state_options) -> None:
        self.state = ServerState(workdir=tmp / "work", home=tmp / "home", **state_options)
        self.state.workdir.mkdir(parents=True)
        (self.state.home / ".ssh").mkdir(parents=True)
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        (bin_dir / "sudo").write_text("#!/bin/sh\nexit 1\n")  # never the real root's files
        (bin_dir / "sudo").chmod(0o755)
        (bin_dir / DISCONNECT_COMMAND).write_text(
            f"#!/bin/sh\necho '{DISCONNECT_TOKEN.decode()}'\nsleep 30\n")
        (bin_dir / DISCONNECT_COMMAND).chmod(0o755)
        path = os.environ.get("PATH", "/usr/bin:/bin")
        if not self.state.scp:
            path = _path_without(tmp / "no-scp-bin", "scp", path)
        self.env = {**os.environ, "HOME": str(self.state.home), "PATH": f"{bin_dir}:{path}"}
        self.client_key = client_key
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self._call(self._start())
        self.port = self.server.sockets[0].getsockname()[1]

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    async def _start(self):
        authorized = asyncssh.import_authorized_keys(
            self.state.authorized_keys or self.client_key.export_public_key().decode())
        return await asyncssh.create_server(
            lambda: _Server(self.state), "127.0.0.1", 0,
            server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")],
            authorized_client_keys=authorized,
            process_factory=lambda p: _run_process(self.state, self.env, p),
            sftp_factory=self.state.sftp, allow_scp=False, line_editor=False, keepalive_interval=0,
            encoding=None)

    def close(self) -> None:
        async def stop():
            self.server.close()
            await self.server.wait_closed()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.sleep(0.05)  # let subprocess transports close
        with contextlib.suppress(Exception):
            self._call(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture(scope="session")
def client_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


@pytest.fixture
def client_pem(client_key) -> str:
    return client_key.export_private_key().decode()


@pytest.fixture
def make_server(tmp_path, client_key) -> Iterator[Callable[..., SshTestServer]]:
    servers: list[SshTestServer] = []

    def make(name: str = "vm", **options) -> SshTestServer:
        server = SshTestServer(tmp_path / name, client_key, **options)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


@pytest.fixture
def server(make_server) -> SshTestServer:
    return make_server()


@pytest.fixture
def build(tmp_path) -> CapturedBuild:
    return captured_build(tmp_path)


def _load_communicator_options(**data: Any) -> Any:
    return load_options(CommunicatorOptionsSchema, data, where="source.test.main")


@pytest.fixture
def communicator_options() -> Callable[..., Any]:
    """Options loaded as a builder loads them: ``communicator_options(ssh_username="u")``."""
    return _load_communicator_options


@pytest.fixture
def options_for() -> Callable[..., Any]:
    """Communicator options that reach a test server: ``options_for(server, ssh_pty=True)``."""
    def options(server: SshTestServer, **extra: Any) -> Any:
        return _load_communicator_options(**{"ssh_username": USER, "ssh_port": server.port,
                                       "ssh_timeout": "10s", "ssh_keep_alive_interval": "0s",
                                       **extra})
    return options
