"""The SSH endpoint of one VM, served by the simulator, executing inside the sandbox.

Listens on the VM's IPs, refuses (TCP reset, before any SSH byte) clients that the
VM's security groups do not allow, authenticates users against the authorized_keys
files inside the VM, and runs every session (exec, shell, pty, SFTP) in the sandbox
as that user, with the client's SSH agent when it forwards it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import struct
from collections.abc import Callable
from pathlib import Path

import asyncssh
from asyncssh.constants import EXTENDED_DATA_STDERR
from asyncssh.stream import SSHReader, SSHWriter

from osc_build_sim.backend import BackendError
from osc_build_sim.machine.agent_relay import AgentRelay, start_relay
from osc_build_sim.machine.sandbox import PATH, Sandbox, User
from osc_build_sim.machine.sessionio import (
    PtyWriter,
    client_env,
    copy_in,
    copy_out,
    finish,
    set_size,
)

log = logging.getLogger(__name__)

SFTP_SERVERS = ("/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server",
                "/usr/libexec/sftp-server")


def host_key(path: Path) -> asyncssh.SSHKey:
    """The VM's SSH host key, made on first boot and kept with the VM."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)
    return key


def parse_authorized_keys(text: str) -> asyncssh.SSHAuthorizedKeys | None:
    """Keep the lines asyncssh understands; a bad line must not lock the user out."""
    good = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            asyncssh.import_authorized_keys(line)
        except (ValueError, asyncssh.KeyImportError):
            log.debug("ignoring an authorized_keys line asyncssh cannot read")
            continue
        good.append(line)
    return asyncssh.import_authorized_keys("\n".join(good)) if good else None


class _Session(asyncssh.SSHServerProcess):
    """A session whose SFTP subsystem is a process too (the VM's own sftp-server).

    asyncssh would serve SFTP itself, on this machine's filesystem; here every
    subsystem request reaches the process factory like a command does.
    """

    def subsystem_requested(self, subsystem: str) -> bool:
        return subsystem == "sftp"

    def session_started(self) -> None:
        stdin = SSHReader(self, self._chan)
        stdout = SSHWriter(self, self._chan)
        stderr = SSHWriter(self, self._chan, EXTENDED_DATA_STDERR)
        self._conn.create_task(self._start_process(stdin, stdout, stderr), stdin.logger)


class _Server(asyncssh.SSHServer):
    def __init__(self, endpoint: VmSshEndpoint):
        self.endpoint = endpoint
        self.conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        self.endpoint.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self.endpoint.connections.discard(self.conn)
        self.endpoint.users.pop(self.conn, None)

    async def begin_auth(self, username: str) -> bool:
        sandbox = self.endpoint.sandbox
        users = await asyncio.to_thread(sandbox.users)
        user = users.get(username)
        if user is not None:
            keys = await asyncio.to_thread(sandbox.authorized_keys_of, user)
            parsed = parse_authorized_keys(keys)
            if parsed is not None:
                self.conn.set_authorized_keys(parsed)
                self.endpoint.users[self.conn] = user
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def session_requested(self) -> _Session:
        return _Session(self.endpoint._session, None, 0, False)


class VmSshEndpoint:
    """Listeners on one VM's addresses, alive from ``start`` to ``stop``."""

    def __init__(self, sandbox: Sandbox, addresses: list[str], port: int,
                 is_allowed: Callable[[str, int], bool], key: asyncssh.SSHKey):
        self.sandbox = sandbox
        self.addresses = addresses
        self.port = port
        self.is_allowed = is_allowed
        self.key = key
        self.listeners: dict[str, tuple[socket.socket, asyncio.Task]] = {}
        self.tasks: set[asyncio.Task] = set()
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.users: dict[asyncssh.SSHServerConnection, User] = {}
        self.serving = False  # until start(), as in a booting VM, nothing listens

    async def start(self) -> None:
        self.serving = True
        for address in list(self.addresses):
            await self._open(address)

    async def listen(self, address: str) -> None:
        """Also answer on ``address`` (a public IP linked while the VM runs or boots)."""
        if address not in self.addresses:
            self.addresses.append(address)
        if self.serving:
            await self._open(address)

    async def unlisten(self, address: str) -> None:
        if address in self.addresses:
            self.addresses.remove(address)
        await self._close(address)

    async def _open(self, address: str) -> None:
        if address in self.listeners:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((address, self.port))
        except OSError as error:
            sock.close()
            raise BackendError(
                f"cannot serve SSH for VM {self.sandbox.vm_id} on {address}:{self.port}: "
                f"{error.strerror} (another simulator's VM may hold this address: give each "
                "running simulator its own address range)") from error
        sock.listen(128)
        sock.setblocking(False)
        task = asyncio.get_running_loop().create_task(self._accept_loop(sock))
        self.listeners[address] = (sock, task)

    async def _close(self, address: str) -> None:
        sock, task = self.listeners.pop(address, (None, None))
        if sock is not None:
            task.cancel()
            sock.close()
            await asyncio.gather(task, return_exceptions=True)

    def _spawn(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _accept_loop(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            client, (client_ip, _) = await loop.sock_accept(listener)
            if not self.is_allowed(client_ip, self.port):
                log.info("VM %s: refused SSH from %s (security groups)",
                         self.sandbox.vm_id, client_ip)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()
                continue
            self._spawn(self._serve(client))

    async def _serve(self, client: socket.socket) -> None:
        try:
            await asyncssh.run_server(
                client, server_factory=lambda: _Server(self), server_host_keys=[self.key],
                encoding=None, line_editor=False, x11_forwarding=False,
                agent_forwarding=True, allow_scp=False, login_timeout=30)
        except (OSError, asyncssh.Error) as error:
            log.debug("VM %s: SSH connection ended: %s", self.sandbox.vm_id, error)

    async def stop(self) -> None:
        self.serving = False
        for address in list(self.listeners):
            await self._close(address)
        for conn in list(self.connections):
            conn.abort()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    # -- sessions -----------------------------------------------------------------

    async def _session(self, process: asyncssh.SSHServerProcess) -> None:
        user = self.users.get(process.get_extra_info("connection"))
        try:
            if user is None:
                process.exit(1)
                return
            argv = self._argv(process, user)
            if argv is None:
                process.stderr.write(b"unsupported subsystem\n")
                process.exit(1)
                return
            env = {"HOME": user.home, "USER": user.name, "LOGNAME": user.name,
                   "SHELL": user.shell, "PATH": PATH, **client_env(process.env)}
            term = process.term_type
            if term:
                env["TERM"] = term
            command = self.sandbox.enter_argv(
                ["/bin/sh", "-c", 'cd "$HOME" 2>/dev/null; exec "$@"', "sh", *argv],
                user.uid, user.gid)
            relay = await self._agent_relay(process, user)
            if relay is not None:
                env["SSH_AUTH_SOCK"] = relay.path
            try:
                status = await (self._run_pty(process, command, env) if term
                                else self._run_pipes(process, command, env))
            finally:
                if relay is not None:
                    await relay.close()
        except Exception:
            log.exception("VM %s: SSH session failed", self.sandbox.vm_id)
            status = 255
        if status < 0:
            process.exit_with_signal(signal.Signals(-status).name.removeprefix("SIG"))
        else:
            process.exit(status)

    async def _agent_relay(self, process: asyncssh.SSHServerProcess,
                           user: User) -> AgentRelay | None:
        """The client's agent inside the VM, when the client forwards it."""
        agent = process.channel.get_agent_path()
        if agent is None or process.subsystem:
            return None
        try:
            return await start_relay(self.sandbox, user, agent)
        except OSError as error:  # as sshd: the session runs, without the agent
            log.info("VM %s: agent forwarding unavailable: %s", self.sandbox.vm_id, error)
            return None

    def _argv(self, process: asyncssh.SSHServerProcess, user: User) -> list[str] | None:
        if process.subsystem == "sftp":
            return ["/bin/sh", "-c", 'for s in "$@"; do [ -x "$s" ] && exec "$s"; done; '
                    'echo "no sftp-server in this image" >&2; exit 127', "sh", *SFTP_SERVERS]
        if process.subsystem:
            return None
        if process.command is not None:
            return [user.shell, "-c", process.command]
        return [user.shell, "-l"]

    async def _run_pipes(self, process, command: list[str], env: dict[str, str]) -> int:
        child = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
        outputs = [asyncio.ensure_future(copy_out(child.stdout, process.stdout)),
                   asyncio.ensure_future(copy_out(child.stderr, process.stderr))]
        feeding = asyncio.ensure_future(copy_in(process, child.stdin))
        return await finish(child, outputs, feeding)

    async def _run_pty(self, process, command: list[str], env: dict[str, str]) -> int:
        master, slave = self.sandbox.open_pty()
        cols, rows, _, _ = process.term_size
        set_size(slave, cols, rows)
        try:
            child = await asyncio.create_subprocess_exec(
                "setsid", "--ctty", *command, stdin=slave, stdout=slave, stderr=slave, env=env)
        finally:
            os.close(slave)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(master, "rb", buffering=0))
        writer = PtyWriter(master)
        outputs = [asyncio.ensure_future(copy_out(reader, process.stdout))]
        feeding = asyncio.ensure_future(copy_in(process, writer, master))
        try:
            return await finish(child, outputs, feeding)
        finally:
            transport.close()
