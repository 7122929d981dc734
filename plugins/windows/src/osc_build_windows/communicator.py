"""``communicator = "winrm"``: commands and files over WinRM (pywinrm), as Packer's.

Each command runs in the session's cmd shell; its output is streamed line by line
under the build's prefix. A connection lost (a reboot) is re-established on the
next operation, waiting up to ``winrm_timeout`` as the first connection does.
"""

from __future__ import annotations

import base64
import binascii
import logging
import ntpath
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
import winrm
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
)

from osc_build.communicators.options import DEFAULT_WINRM_TIMEOUT
from osc_build.communicators.ssh import LineWriter
from osc_build.durations import seconds
from osc_build.errors import BuildError, Interrupted
from osc_build.interfaces import CommunicatorPlugin
from osc_build.provision import DISCONNECTED, CommandTimeout, go_duration_text
from osc_build_windows import commands

if TYPE_CHECKING:
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)

RETRY_EVERY = 2.0  # seconds between two attempts to reach WinRM (a restart takes seconds)
# What a WinRM server that is down, restarting or not there yet looks like.
TRANSPORT_ERRORS = (requests.exceptions.RequestException, WinRMTransportError, ConnectionError,
                    OSError)


@dataclass(frozen=True)
class WinRMSettings:
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    use_ssl: bool = False
    insecure: bool = False
    use_ntlm: bool = False
    no_proxy: bool = False
    timeout: float = seconds(DEFAULT_WINRM_TIMEOUT)

    @property
    def endpoint(self) -> str:
        scheme = "https" if self.use_ssl else "http"
        return f"{scheme}://{self.host}:{self.port}/wsman"

    @property
    def auth(self) -> str:
        return "NTLM" if self.use_ntlm else "Basic"

    def protocol(self) -> winrm.Protocol:
        return winrm.Protocol(
            self.endpoint, transport="ntlm" if self.use_ntlm else "basic",
            username=self.username, password=self.password,
            server_cert_validation="ignore" if self.insecure else "validate",
            # As Packer's Go client: NTLM without message encryption (HTTPS or
            # AllowUnencrypted), so both auths need the same server settings.
            message_encryption="never",
            # A short server-side long poll: Ctrl-C is seen within seconds.
            operation_timeout_sec=10, read_timeout_sec=20,
            proxy=None if self.no_proxy else "legacy_requests")


def settings_of(host: str, options: Any, password: str | None) -> WinRMSettings:
    """The connection settings from the winrm_* options (a password of theirs wins)."""
    use_ssl = bool(options.winrm_use_ssl)
    return WinRMSettings(
        host=options.winrm_host or host,
        port=int(options.winrm_port or (5986 if use_ssl else 5985)),
        username=options.winrm_username, password=options.winrm_password or password or "",
        use_ssl=use_ssl, insecure=bool(options.winrm_insecure),
        use_ntlm=bool(options.winrm_use_ntlm), no_proxy=bool(options.winrm_no_proxy),
        timeout=seconds(options.winrm_timeout or DEFAULT_WINRM_TIMEOUT))


class WinRMConnector(CommunicatorPlugin):
    """The ``osc_build.communicators`` entry point ``winrm``."""

    def connect(self, ctx: BuildContext, host: str, options: Any, *,
                private_key_pem: str | None = None, password: str | None = None
                ) -> WinRMCommunicator:
        settings = settings_of(host, options, password)
        if not settings.password:
            raise BuildError("no WinRM password: set winrm_password (or let the builder read "
                             "the Windows administrator password with a temporary keypair)")
        ctx.ui.say("Waiting for WinRM to become available...")
        ctx.ui.message(f"WinRM address: {settings.endpoint}")
        communicator = WinRMCommunicator(ctx, settings)
        communicator.wait_until_ready()
        ctx.ui.say("Connected to WinRM!")
        return communicator


def _why(err: BaseException) -> str:
    if isinstance(err, InvalidCredentialsError):
        return "the credentials were refused (HTTP 401)"
    if isinstance(err, requests.exceptions.SSLError):
        return f"TLS failed ({err.__class__.__name__})"
    if isinstance(err, requests.exceptions.ConnectTimeout | requests.exceptions.ReadTimeout):
        return "no answer"
    if isinstance(err, requests.exceptions.ConnectionError):
        return "the connection was refused or lost"
    text = str(err).strip() or err.__class__.__name__
    return text.splitlines()[0][:200]


class WinRMCommunicator:
    """Runs commands and moves files on the VM over WinRM, for provisioners."""

    def __init__(self, ctx: BuildContext, settings: WinRMSettings,
                 protocol_factory: Callable[[], Any] | None = None) -> None:
        self.ctx = ctx
        self.settings = settings
        self._factory = protocol_factory or settings.protocol
        self._protocol: Any = None
        self._shell_id: str | None = None

    # -- connection -------------------------------------------------------------
    def wait_until_ready(self) -> None:
        """Open a shell, retrying until ``winrm_timeout``; one clear error when it runs out."""
        deadline = time.monotonic() + self.settings.timeout
        last: BaseException | None = None
        while True:
            self.ctx.check_cancelled()
            try:
                self._open()
                return
            except (WinRMError, *TRANSPORT_ERRORS) as err:
                last = err
                log.debug("%s: WinRM not ready at %s: %s", self.ctx.name,
                          self.settings.endpoint, _why(err))
            if time.monotonic() + RETRY_EVERY > deadline:
                raise BuildError(self._timeout_message(last)) from None
            if self.ctx.cancelled.wait(RETRY_EVERY):
                self.ctx.check_cancelled()

    def _timeout_message(self, last: BaseException | None) -> str:
        s = self.settings
        where = f"WinRM at {s.endpoint} (user {s.username!r}, {s.auth} authentication)"
        why = _why(last) if last is not None else "no attempt"
        text = (f"timeout waiting for {where} after winrm_timeout "
                f"({go_duration_text(s.timeout)}): last attempt: {why}; ")
        if isinstance(last, InvalidCredentialsError):
            return text + ("check winrm_username and winrm_password, and that the user data "
                           "enables this authentication (winrm set "
                           "winrm/config/service/auth '@{Basic=\"true\"}')")
        if isinstance(last, requests.exceptions.SSLError):
            return text + ("the server's certificate is not trusted: set winrm_insecure = true "
                           "or trust its CA")
        return text + ("check that the user data configures WinRM (listener, firewall, "
                       "AllowUnencrypted for HTTP), winrm_port and winrm_use_ssl, or raise "
                       "winrm_timeout")

    def _open(self) -> None:
        self._close()
        protocol = self._factory()
        self._shell_id = protocol.open_shell(codepage=65001)
        self._protocol = protocol

    def _ensure(self) -> None:
        if self._shell_id is None:
            log.info("%s: WinRM connection lost; reconnecting", self.ctx.name)
            self.wait_until_ready()

    def _close(self) -> None:
        protocol, shell_id = self._protocol, self._shell_id
        self._protocol, self._shell_id = None, None
        if protocol is not None and shell_id is not None:
            try:
                protocol.close_shell(shell_id)
            except (WinRMError, *TRANSPORT_ERRORS):
                log.debug("closing the WinRM shell failed", exc_info=True)

    def close(self) -> None:
        """Close the shell; the communicator opens a new one if used again."""
        self._close()

    def __enter__(self) -> WinRMCommunicator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- commands ---------------------------------------------------------------
    def run(self, command: str, *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> int:
        """Run a cmd.exe command line, streaming its output; return its exit code.

        Returns :data:`DISCONNECTED` when the connection went away before the command
        ended (a restart, for instance).
        """
        full = commands.cmd_env_prefix(env) + command
        log.debug("%s: running %s (variables: %s)", self.ctx.name, command,
                  ", ".join(sorted(env or ())) or "none")
        out, err = LineWriter(self.ctx.ui.message), LineWriter(self.ctx.ui.message)
        try:
            return self._execute(full, out.feed, err.feed, timeout=timeout)
        finally:
            out.close()
            err.close()

    def try_run(self, command: str) -> int:
        """Run ``command`` now or raise :class:`BuildError`: no waiting for a lost connection
        to come back (how windows-restart sees that a restart has begun)."""
        try:
            if self._shell_id is None:
                self._open()
            command_id = self._protocol.run_command(self._shell_id, command)
        except (WinRMError, *TRANSPORT_ERRORS) as err:
            self._shell_id = None
            raise BuildError(f"WinRM at {self.settings.endpoint} does not answer: "
                             f"{_why(err)}") from None
        out, err = LineWriter(self.ctx.ui.message), LineWriter(self.ctx.ui.message)
        try:
            return self._stream(command, command_id, out.feed, err.feed, timeout=None)
        finally:
            out.close()
            err.close()

    def capture(self, command: str, *, timeout: float | None = None) -> tuple[int, bytes]:
        """Run ``command``; return its exit code and stdout (stderr is shown)."""
        chunks: list[bytes] = []
        errors: list[bytes] = []
        try:
            status = self._execute(command, chunks.append, errors.append, timeout=timeout)
        finally:
            self._show_errors(errors)
        return status, b"".join(chunks)

    def _execute(self, command: str, on_stdout: Callable[[bytes], None],
                 on_stderr: Callable[[bytes], None], *, timeout: float | None) -> int:
        return self._stream(command, self._start(command), on_stdout, on_stderr,
                            timeout=timeout)

    def _stream(self, command: str, command_id: str, on_stdout: Callable[[bytes], None],
                on_stderr: Callable[[bytes], None], *, timeout: float | None) -> int:
        protocol, shell_id = self._protocol, self._shell_id
        started = time.monotonic()
        try:
            while True:
                if self.ctx.cancelled.is_set():
                    raise Interrupted(f"build {self.ctx.name!r} was interrupted during a "
                                      "remote command")
                if timeout is not None and time.monotonic() - started > timeout:
                    raise CommandTimeout(f"remote command timed out after {timeout:g}s: "
                                         f"{_short(command)}")
                try:
                    stdout, stderr, status, done = protocol.get_command_output_raw(
                        shell_id, command_id)
                except WinRMOperationTimeoutError:
                    continue  # no output during the server's long poll: ask again
                except (WinRMError, *TRANSPORT_ERRORS) as err:
                    log.info("%s: WinRM went away during a command (%s)", self.ctx.name,
                             _why(err))
                    self._shell_id = None
                    return DISCONNECTED
                if stdout:
                    on_stdout(stdout)
                if stderr:
                    on_stderr(stderr)
                if done:
                    return status
        finally:
            if self._shell_id is not None:
                try:
                    protocol.cleanup_command(shell_id, command_id)
                except (WinRMError, *TRANSPORT_ERRORS):
                    log.debug("cleaning up a WinRM command failed", exc_info=True)

    def _start(self, command: str) -> str:
        self._ensure()
        try:
            return self._protocol.run_command(self._shell_id, command)
        except (WinRMError, *TRANSPORT_ERRORS):
            self._shell_id = None  # a stale shell (the VM restarted): reconnect once
        self._ensure()
        try:
            return self._protocol.run_command(self._shell_id, command)
        except (WinRMError, *TRANSPORT_ERRORS) as err:
            self._shell_id = None
            raise BuildError(f"cannot start a command over WinRM at {self.settings.endpoint}: "
                             f"{_why(err)}") from None

    def _must(self, command: str, what: str) -> None:
        errors: list[bytes] = []
        try:
            status = self._execute(command, _ignore, errors.append, timeout=None)
        finally:
            self._show_errors(errors)
        if status == DISCONNECTED:
            raise BuildError(f"{what} failed: the WinRM connection was lost")
        if status != 0:
            raise BuildError(f"{what} failed: exit code {status}")

    def _show_errors(self, errors: list[bytes]) -> None:
        """stderr of our own PowerShell commands, CLIXML made readable."""
        for line in commands.clixml_text(b"".join(errors)).splitlines():
            if line.strip():
                self.ctx.ui.message(line)

    # -- files ------------------------------------------------------------------
    def upload(self, source: Path, destination: str) -> None:
        """Upload a file, or a directory's contents into ``destination``."""
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    relative = path.relative_to(source).as_posix()
                    self.upload(path, destination.rstrip("/\\") + "/" + relative)
            return
        if destination.endswith(("/", "\\")):
            destination += source.name
        self.upload_content(source.read_bytes(), destination)

    def upload_content(self, content: bytes | str, destination: str, *,
                       mode: int = 0o644) -> None:
        """Write ``content`` to ``destination`` (``mode`` has no meaning on Windows)."""
        data = content.encode() if isinstance(content, str) else content
        echo_path, ps_path = commands.temporary_upload_path()
        what = f"upload to {destination}"
        log.debug("%s: uploading %d bytes to %s", self.ctx.name, len(data), destination)
        for line in commands.append_chunks(data, echo_path):
            self.ctx.check_cancelled()
            self._must(line, what)
        self._must(commands.powershell(commands.restore_script(ps_path, destination)), what)

    def download(self, source: str, destination: Path) -> None:
        """Download file ``source`` to ``destination`` (a directory: into it)."""
        status, stdout = self.capture(commands.powershell(commands.download_script(source)))
        if status != 0:
            raise BuildError(f"download of {source} failed: exit code {status}")
        try:
            data = base64.b64decode(b"".join(stdout.split()), validate=True)
        except (binascii.Error, ValueError):
            raise BuildError(f"download of {source} failed: the answer is not base64") from None
        target = destination / ntpath.basename(commands.windows_path(source)) \
            if destination.is_dir() else destination
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _ignore(_data: bytes) -> None:
    """Output nobody reads (the upload steps print nothing on success)."""


def _short(command: str, limit: int = 80) -> str:
    return command if len(command) <= limit else command[:limit] + "..."
