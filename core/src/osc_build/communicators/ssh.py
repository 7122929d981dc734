"""The SSH communicator: commands and files over one fabric connection.

Remote output is streamed line by line to the build's UI (``    outscale-bsu.main: ...``).
A lost connection is re-established on the next operation (after a reboot the
VM answers again), waiting up to ``ssh_timeout``.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import posixpath
import select
import shlex
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import paramiko
from fabric import Connection
from paramiko.agent import AgentRequestHandler

from osc_build.communicators import bastion_login, scp_transfer, transfer
from osc_build.communicators.tunnels import Tunnels
from osc_build.errors import BuildError, ConfigError, Interrupted
from osc_build.provision import DISCONNECTED, CommandTimeout

if TYPE_CHECKING:
    from osc_build.communicators.connect import SshSettings
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)

_POLL = 0.05
_TRANSPORT_ERRORS = (OSError, EOFError, paramiko.SSHException, paramiko.SFTPError,
                     *scp_transfer.ERRORS)


class LineWriter:
    """Collects bytes and hands complete, decoded lines to ``emit``."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self.emit = emit
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def feed(self, data: bytes) -> None:
        self._pending += self._decoder.decode(data)
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self.emit(line.rstrip("\r"))

    def close(self) -> None:
        self._pending += self._decoder.decode(b"", final=True)
        if self._pending:
            self.emit(self._pending.rstrip("\r"))
            self._pending = ""


def with_env(command: str, env: Mapping[str, str] | None) -> str:
    """Prefix ``command`` with exports: SSH servers often refuse to set variables."""
    if not env:
        return command
    for key in env:
        if not key.isidentifier():
            raise ConfigError(f"environment variable name {key!r} is invalid; use letters, "
                              "digits and underscores")
    exports = " ".join(f"{key}={shlex.quote(str(value))}" for key, value in env.items())
    return f"export {exports}; {command}"


@dataclass(frozen=True)
class SshEndpoint:
    """How another SSH client (``ansible-playbook``) reaches the VM this communicator reaches:
    the same address, user and credentials, and the same bastion."""

    host: str
    port: int
    username: str
    private_key_pem: str | None = field(default=None, repr=False)  # the temporary key's text
    private_key_file: str | None = None  # ssh_private_key_file, when that is the key
    password: str | None = field(default=None, repr=False)
    agent: bool = False
    bastion: SshEndpoint | None = None


def endpoint_of(settings: SshSettings) -> SshEndpoint:
    kwargs = settings.connect_kwargs
    return SshEndpoint(
        host=settings.host, port=settings.port, username=settings.username,
        private_key_pem=settings.private_key_pem, private_key_file=settings.private_key_file,
        password=kwargs.get("password"), agent=bool(kwargs.get("allow_agent")),
        bastion=endpoint_of(settings.bastion) if settings.bastion else None)


class SshCommunicator:
    """Runs commands and moves files on the VM, for provisioners."""

    def __init__(self, ctx: BuildContext, settings: SshSettings, connection: Connection, *,
                 reconnect: Callable[[], Connection]) -> None:
        self.ctx = ctx
        self.settings = settings
        self._conn: Connection | None = connection
        self._reconnect = reconnect
        self._tunnels = self._open_tunnels(connection)

    # -- connection -------------------------------------------------------------
    def endpoint(self) -> SshEndpoint:
        """The connection details, for provisioners that run their own SSH client."""
        return endpoint_of(self.settings)

    @property
    def connection(self) -> Connection:
        """The live connection, re-established if the VM dropped it (e.g. a reboot)."""
        if self._conn is None or not self._conn.is_connected:
            if self._conn is not None:
                self._close()
                log.info("%s: SSH connection lost; reconnecting", self.ctx.name)
            self._conn = self._reconnect()
            self._tunnels = self._open_tunnels(self._conn)
        return self._conn

    def _open_tunnels(self, connection: Connection) -> Tunnels | None:
        if not (self.settings.local_tunnels or self.settings.remote_tunnels):
            return None
        try:
            return Tunnels(connection.transport, self.settings.local_tunnels,
                           self.settings.remote_tunnels)
        except (OSError, paramiko.SSHException) as err:
            raise BuildError(f"cannot open the SSH tunnels ({err}); check that the ports of "
                             "ssh_local_tunnels are free here and that the VM's SSH server "
                             "allows forwarding for ssh_remote_tunnels") from None

    def close(self) -> None:
        """Close the connection (and the bastion's); the communicator can reconnect later."""
        self._close()
        bastion_login.close_kept(self.settings)

    def _close(self) -> None:
        tunnels, self._tunnels = self._tunnels, None
        if tunnels is not None:
            tunnels.close()
        conn, self._conn = self._conn, None
        if conn is None:
            return
        bastion = self.settings.bastion
        try:
            conn.close()
            # an interactive bastion's connection stays for the reconnection (close() ends it)
            if isinstance(conn.gateway, Connection) and not (bastion and bastion.interactive):
                conn.gateway.close()
        except _TRANSPORT_ERRORS:
            log.debug("closing the SSH connection failed", exc_info=True)

    def __enter__(self) -> SshCommunicator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands ---------------------------------------------------------------
    def run(self, command: str, *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> int:
        """Run ``command`` through the login shell; stream its output; return its status.

        Returns :data:`DISCONNECTED` when the connection went away before the
        command reported a status (a reboot, for instance).
        """
        full = with_env(command, env)
        log.debug("%s: running %s (variables: %s)", self.ctx.name, command,
                  ", ".join(sorted(env or ())) or "none")
        try:
            channel, agent = self._start(full)
        except _TRANSPORT_ERRORS:
            self._close()  # a stale transport: reconnect once and retry
            try:
                channel, agent = self._start(full)
            except _TRANSPORT_ERRORS as err:
                raise BuildError(f"cannot start a command over SSH on "
                                 f"{self.settings.address}: {_why(err)}") from None
        try:
            return self._stream(channel, command, timeout)
        finally:
            channel.close()
            if agent is not None:
                agent.close()

    def _start(self, command: str) -> tuple[paramiko.Channel, AgentRequestHandler | None]:
        channel = self.connection.transport.open_session(timeout=30)
        agent = None
        try:
            if self.settings.forward_agent and local_agent_socket():
                agent = AgentRequestHandler(channel)  # as Packer: the VM may use our keys
            if self.settings.pty:
                channel.get_pty(width=200)
            channel.exec_command(command)
        except BaseException:
            channel.close()
            if agent is not None:
                agent.close()
            raise
        return channel, agent

    def _stream(self, channel: paramiko.Channel, command: str, timeout: float | None) -> int:
        out, err = LineWriter(self.ctx.ui.message), LineWriter(self.ctx.ui.message)
        started = last_data = time.monotonic()
        silence = self.settings.read_write_timeout
        try:
            while True:
                got = False
                while channel.recv_ready():
                    out.feed(channel.recv(65536))
                    got = True
                while channel.recv_stderr_ready():
                    err.feed(channel.recv_stderr(65536))
                    got = True
                now = time.monotonic()
                if got:
                    last_data = now
                if channel.exit_status_ready() and not (channel.recv_ready()
                                                        or channel.recv_stderr_ready()):
                    break
                if self.ctx.cancelled.is_set():
                    raise Interrupted(f"build {self.ctx.name!r} was interrupted during a "
                                      "remote command")
                if timeout is not None and now - started > timeout:
                    raise CommandTimeout(f"remote command timed out after {timeout:g}s: "
                                         f"{_short(command)}")
                if silence > 0 and now - last_data > silence:
                    log.info("%s: no data for %gs (ssh_read_write_timeout); treating the "
                             "connection as lost", self.ctx.name, silence)
                    self._close()
                    return DISCONNECTED
                select.select([channel], [], [], _POLL)
        finally:
            out.close()
            err.close()
        status = channel.recv_exit_status()
        if status == -1:
            log.info("%s: the connection closed before the command reported a status",
                     self.ctx.name)
            return DISCONNECTED
        return status

    def clear_authorized_keys(self) -> None:
        """Remove the key we logged in with from the user's and root's authorized_keys.

        Failures are only logged: the image is still usable (Packer does the same).
        """
        key = self.settings.public_key
        if not key:
            log.debug("no key to remove from authorized_keys")
            return
        self.ctx.ui.say("Removing the temporary key from authorized_keys...")
        script = (f"sed -i.bak '\\#{key}#d' {{path}} && rm -f {{path}}.bak")
        commands = [script.format(path="~/.ssh/authorized_keys"),
                    "sudo -n sh -c " + shlex.quote(script.format(
                        path="/root/.ssh/authorized_keys"))]
        for command in commands:
            try:
                status = self.run(command + " 2>/dev/null")
            except (BuildError, *_TRANSPORT_ERRORS) as err:
                log.warning("%s: removing the key failed: %s", self.ctx.name, err)
                continue
            if status != 0:
                log.debug("%s: %s exited with %d", self.ctx.name, command, status)

    # -- files ------------------------------------------------------------------
    def upload(self, source: Path, destination: str) -> None:
        """Upload a file to ``destination``, or a directory's contents into ``destination``.

        A file whose destination ends with ``/`` keeps its name in that directory.
        Missing remote parent directories are created.
        """
        source = Path(source)
        try:
            if self.settings.file_transfer == "scp":
                self._upload_scp(source, destination)
                return
            sftp = self.connection.sftp()
            if source.is_dir():
                transfer.put_tree(sftp, source, destination.rstrip("/") or "/",
                                  self.ctx.check_cancelled)
                return
            if destination.endswith("/"):
                destination = posixpath.join(destination, source.name)
            transfer.makedirs(sftp, posixpath.dirname(destination))
            transfer.put_file(sftp, source, destination, self.ctx.check_cancelled)
        except _TRANSPORT_ERRORS as err:
            raise BuildError(f"upload of {source} to {destination} failed: "
                             f"{self._why(err)}") from None

    def upload_content(self, content: bytes | str, destination: str, *,
                       mode: int = 0o644) -> None:
        """Write ``content`` to the remote file ``destination``."""
        data = content.encode() if isinstance(content, str) else content
        try:
            if self.settings.file_transfer == "scp":
                scp_transfer.put_content(self.connection.transport, data, destination, mode)
                return
            sftp = self.connection.sftp()
            transfer.makedirs(sftp, posixpath.dirname(destination))
            sftp.putfo(io.BytesIO(data), destination)
            sftp.chmod(destination, mode)
        except _TRANSPORT_ERRORS as err:
            raise BuildError(f"upload to {destination} failed: {self._why(err)}") from None

    def download(self, source: str, destination: Path) -> None:
        """Download a remote file, or a remote directory's contents into ``destination``.

        A file lands in ``destination`` itself, or inside it when it is a directory;
        a glob in the last part (``/var/log/*.log``) downloads the matches into it.
        """
        destination = Path(destination)
        glob = any(char in posixpath.basename(source) for char in "*?[")
        try:
            if self.settings.file_transfer == "scp" and not glob:
                self._download_scp(source, destination)
                return
            sftp = self.connection.sftp()
            if glob:
                if not transfer.get_matches(sftp, source, destination,
                                            self.ctx.check_cancelled):
                    raise BuildError(f"download of {source}: no file matches")
                return
            if source.endswith("/") or transfer.is_remote_dir(sftp, source):
                transfer.get_tree(sftp, source.rstrip("/") or "/", destination,
                                  self.ctx.check_cancelled)
                return
            if destination.is_dir():
                destination = destination / posixpath.basename(source)
            transfer.get_file(sftp, source, destination, self.ctx.check_cancelled)
        except _TRANSPORT_ERRORS as err:
            raise BuildError(f"download of {source} to {destination} failed: "
                             f"{self._why(err)}") from None

    def _why(self, err: BaseException) -> str:
        """The cause of a failed transfer; over scp, first whether the VM has scp at all."""
        if isinstance(err, scp_transfer.ERRORS) and not self._remote_has_scp():
            return ("the VM has no scp program, which ssh_file_transfer_method \"scp\" (the "
                    "default) needs; set ssh_file_transfer_method = \"sftp\", or install scp "
                    "(openssh-client) in the source image")
        return _why(err)

    def _remote_has_scp(self) -> bool:
        try:
            return scp_transfer.remote_status(self.connection.transport,
                                              "command -v scp >/dev/null 2>&1") == 0
        except _TRANSPORT_ERRORS:
            return True  # cannot tell: report the transfer's own error

    def _upload_scp(self, source: Path, destination: str) -> None:
        transport = self.connection.transport
        if source.is_dir():
            scp_transfer.put_tree(transport, source, destination.rstrip("/") or "/",
                                  self.ctx.check_cancelled)
            return
        if destination.endswith("/"):
            destination = posixpath.join(destination, source.name)
        scp_transfer.put_file(transport, source, destination, self.ctx.check_cancelled)

    def _download_scp(self, source: str, destination: Path) -> None:
        transport = self.connection.transport
        if source.endswith("/") or scp_transfer.is_remote_dir(transport, source):
            scp_transfer.get_tree(transport, source.rstrip("/") or "/", destination,
                                  self.ctx.check_cancelled)
            return
        if destination.is_dir():
            destination = destination / posixpath.basename(source)
        scp_transfer.get_file(transport, source, destination, self.ctx.check_cancelled)


def local_agent_socket() -> str | None:
    """SSH_AUTH_SOCK, when an agent listens there: what agent forwarding forwards."""
    path = os.environ.get("SSH_AUTH_SOCK")
    try:
        if path and stat.S_ISSOCK(os.stat(path).st_mode):
            return path
    except OSError:
        pass
    if path not in _NO_AGENT_SAID:  # once, not before every command
        _NO_AGENT_SAID.add(path)
        log.debug("no SSH agent listens at SSH_AUTH_SOCK=%s: the agent is not forwarded", path)
    return None


_NO_AGENT_SAID: set[str | None] = set()


def _why(err: BaseException) -> str:
    if isinstance(err, FileNotFoundError):
        return "no such file or directory"
    if isinstance(err, PermissionError):
        return "permission denied"
    return str(err) or type(err).__name__


def _short(command: str, limit: int = 80) -> str:
    line = command.strip().splitlines()[0] if command.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
