"""The WinRM endpoint of one Windows VM: HTTP on 5985, HTTPS on 5986, its shells.

Answers only clients the VM's security groups allow (others get a TCP reset), with Basic
authentication as the WinRM service does: refused (401, ``WWW-Authenticate: Negotiate,
Kerberos``) until the VM's WinRM configuration enables Basic, and over plain HTTP until it
also allows unencrypted traffic. Each command runs in its own process (``guest``) inside
the VM; its output is kept until a Receive takes it.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import logging
import os
import socket
import socketserver
import ssl
import struct
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from osc_build_sim.backend import BackendError

from . import wsman
from .programs import winrm_setting

log = logging.getLogger(__name__)

RECEIVE_WAIT_MAX = 15.0  # seconds a Receive waits for output before the timeout fault
MAX_SHELLS = 30  # winrm/config/winrs MaxShellsPerUser, Windows' default


@dataclass(eq=False)
class Command:
    id: str
    process: subprocess.Popen
    stdout: bytearray = field(default_factory=bytearray)
    stderr: bytearray = field(default_factory=bytearray)
    exit_code: int | None = None
    readers: list[threading.Thread] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def finished(self) -> bool:
        return self.exit_code is not None and not any(r.is_alive() for r in self.readers)

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, 9)
        self.process.wait()


@dataclass
class Shell:
    id: str
    env: dict[str, str]
    cwd: str
    codepage: int
    commands: dict[str, Command] = field(default_factory=dict)


class WinRmService:
    """The shells of one VM and the processes of their commands.

    ``spawn(spec, control_fd)`` starts ``guest`` for a spec (see ``guest.main``);
    ``on_control(message)`` receives what commands ask of the simulator (restart, WinRM
    settings, a new password); ``config()`` is the VM's WinRM configuration;
    ``password()`` the Administrator password.
    """

    def __init__(self, vm_id: str, spawn: Callable[[dict, int], subprocess.Popen],
                 on_control: Callable[[dict], None], config: Callable[[], dict],
                 password: Callable[[], str], base_env: dict[str, str],
                 shutdown_pending: Callable[[], bool] = lambda: False):
        self.vm_id = vm_id
        self.spawn = spawn
        self.on_control = on_control
        self.config = config
        self.password = password
        self.base_env = base_env
        self.shutdown_pending = shutdown_pending
        self.shells: dict[str, Shell] = {}
        self.active: set[Command] = set()  # every running command, user data's too
        self.lock = threading.Lock()

    def handle(self, request: wsman.Request, address: str) -> bytes:
        handler = getattr(self, f"_{request.action}", None) if request.action in (
            "create", "delete", "command", "receive", "send", "signal") else None
        if handler is None:
            raise wsman.WsmanError(0, "a:ActionNotSupported",
                                   f"The action {request.action} is not supported by the "
                                   "simulator's WinRM (Windows Remote Shell only).")
        return handler(request, address)

    def _shell(self, request: wsman.Request) -> Shell:
        with self.lock:
            shell = self.shells.get(request.shell_id)
        if shell is None:
            raise wsman.WsmanError(wsman.INVALID_SELECTORS, "w:InvalidSelectors",
                                   f"The request for the Windows Remote Shell with ShellId "
                                   f"{request.shell_id} failed because the shell was not found "
                                   "on the server. Possible causes are: the specified ShellId "
                                   "is incorrect or the shell no longer exists on the server.")
        return shell

    def _find(self, shell: Shell, command_id: str) -> Command:
        command = shell.commands.get(command_id)
        if command is None:
            raise wsman.WsmanError(wsman.INVALID_SELECTORS, "w:InvalidSelectors",
                                   f"The command {command_id} was not found in shell "
                                   f"{shell.id}.")
        return command

    def _create(self, request: wsman.Request, address: str) -> bytes:
        env, directory, codepage = wsman.shell_settings(request)
        shell = Shell(str(uuid.uuid4()).upper(), env, directory or "C:\\Users\\Administrator",
                      codepage)
        with self.lock:
            if len(self.shells) >= MAX_SHELLS:
                raise wsman.WsmanError(wsman.QUOTA_LIMIT, "w:QuotaLimit",
                                       "The WS-Management service cannot process the request. "
                                       f"This user is allowed a maximum number of {MAX_SHELLS} "
                                       "concurrent shells, which has been exceeded. Close "
                                       "existing shells or raise the quota for this user.")
            self.shells[shell.id] = shell
        return wsman.create_response(request, shell.id, address)

    def _delete(self, request: wsman.Request, address: str) -> bytes:
        shell = self._shell(request)
        with self.lock:
            self.shells.pop(shell.id, None)
        for command in list(shell.commands.values()):
            command.kill()
        return wsman.delete_response(request)

    def _command_start(self, shell: Shell, line: str, batch: str | None = None) -> Command:
        env = {**self.base_env, **shell.env}
        spec = {"command": line, "env": env, "cwd": shell.cwd, "codepage": shell.codepage,
                "winrm": self.config(), "batch": batch,
                "shutdown_pending": self.shutdown_pending()}
        read_end, write_end = os.pipe()
        try:
            process = self.spawn(spec, write_end)
        finally:
            os.close(write_end)
        command = Command(str(uuid.uuid4()).upper(), process)
        with self.lock:
            self.active.add(command)
        command.readers = [
            threading.Thread(target=self._read, args=(command, process.stdout, command.stdout),
                             daemon=True),
            threading.Thread(target=self._read, args=(command, process.stderr, command.stderr),
                             daemon=True),
            threading.Thread(target=self._control, args=(command, read_end), daemon=True)]
        for reader in command.readers:
            reader.start()
        return command

    def run_command(self, line: str, batch: str | None = None) -> tuple[bytes, bytes, int]:
        """Run ``line`` (or the lines of ``batch``) to its end outside any shell (user data)."""
        shell = Shell("userdata", {}, "C:\\Windows\\system32", 437)
        command = self._command_start(shell, line, batch)
        command.process.wait()
        for reader in command.readers:
            reader.join()
        return bytes(command.stdout), bytes(command.stderr), command.exit_code or 0

    def _read(self, command: Command, pipe, buffer: bytearray) -> None:
        while True:
            data = pipe.read1(65536) if hasattr(pipe, "read1") else pipe.read(65536)
            if not data:
                break
            with command.changed:
                buffer += data
                command.changed.notify_all()
        pipe.close()
        with command.changed:
            command.changed.notify_all()

    def _control(self, command: Command, fd: int) -> None:
        exit_code = None
        with os.fdopen(fd, "rb") as pipe:
            for line in pipe:
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if "exit" in message:
                    exit_code = int(message["exit"])
                    continue
                try:
                    self.on_control(message)
                except Exception:
                    log.exception("VM %s: a guest request failed", self.vm_id)
        status = command.process.wait()
        with self.lock:
            self.active.discard(command)
        with command.changed:
            command.exit_code = exit_code if exit_code is not None else (
                status if status >= 0 else 1)
            command.changed.notify_all()

    def _command(self, request: wsman.Request, address: str) -> bytes:
        shell = self._shell(request)
        command = self._command_start(shell, wsman.command_line(request))
        shell.commands[command.id] = command
        return wsman.command_response(request, command.id)

    def _receive(self, request: wsman.Request, address: str) -> bytes:
        shell = self._shell(request)
        command = self._find(shell, wsman.command_id(request, "Receive"))
        deadline = time.monotonic() + min(max(request.timeout - 1, 1), RECEIVE_WAIT_MAX)
        with command.changed:
            while not (command.stdout or command.stderr or command.finished):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise wsman.WsmanError(wsman.TIMED_OUT, "w:TimedOut",
                                           "The WS-Management service cannot complete the "
                                           "operation within the time specified in "
                                           "OperationTimeout.")
                command.changed.wait(min(remaining, 0.5))
            stdout, stderr = bytes(command.stdout), bytes(command.stderr)
            command.stdout.clear()
            command.stderr.clear()
            done = command.finished
        return wsman.receive_response(request, command.id, stdout, stderr,
                                      command.exit_code if done else None)

    def _send(self, request: wsman.Request, address: str) -> bytes:
        shell = self._shell(request)
        command = self._find(shell, wsman.command_id(request, "Send"))
        data, end = wsman.stdin_of(request)
        with contextlib.suppress(OSError, ValueError):
            if data:
                command.process.stdin.write(data)
                command.process.stdin.flush()
            if end:
                command.process.stdin.close()
        return wsman.send_response(request)

    def _signal(self, request: wsman.Request, address: str) -> bytes:
        shell = self._shell(request)
        command = shell.commands.pop(wsman.command_id(request, "Signal"), None)
        if command is not None and wsman.signal_code(request) in ("terminate", "ctrl_c",
                                                                  "ctrl_break"):
            command.kill()
        return wsman.signal_response(request)

    def close(self) -> None:
        """Forget every shell and kill every command (the VM is going away)."""
        with self.lock:
            self.shells = {}
            active = list(self.active)
        for command in active:
            command.kill()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    server: _Listener

    def log_message(self, format: str, *args) -> None:
        log.debug("WinRM %s: " + format, self.server.endpoint.vm_id, *args)

    def setup(self) -> None:
        super().setup()
        self.server.endpoint.track(self.connection, True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.endpoint.track(self.connection, False)

    def _reply(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            if isinstance(value, list):
                for item in value:
                    self.send_header(key, item)
            else:
                self.send_header(key, value)
        if body:
            self.send_header("Content-Type", "application/soap+xml;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.split("?")[0].lower() != "/wsman":
            self._reply(404)
            return
        endpoint = self.server.endpoint
        if not endpoint.authorized(self.headers.get("Authorization", ""), self.server.https):
            challenge = ["Negotiate", "Kerberos"]
            if winrm_setting(endpoint.config(), "service/auth", "Basic"):
                challenge.append('Basic realm="WSMAN"')
            self._reply(401, headers={"WWW-Authenticate": challenge})
            return
        address = f"{'https' if self.server.https else 'http'}://{self.headers.get('Host')}/wsman"
        try:
            request = wsman.parse(body)
        except wsman.WsmanError as error:
            self._reply(400, wsman.fault("", error, endpoint.vm_id))
            return
        try:
            reply = endpoint.service.handle(request, address)
        except wsman.WsmanError as error:
            self._reply(500, wsman.fault(request.message_id, error, endpoint.vm_id))
            return
        except Exception as error:
            log.exception("VM %s: WinRM request failed", endpoint.vm_id)
            self._reply(500, wsman.fault(request.message_id, wsman.WsmanError(
                0, "w:InternalError", f"The simulator failed: {error}"), endpoint.vm_id))
            return
        self._reply(200, reply)

    def do_GET(self) -> None:
        self._reply(405)


class _Listener(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], endpoint: WinRmEndpoint,
                 context: ssl.SSLContext | None):
        self.endpoint = endpoint
        self.https = context is not None
        self.context = context
        super().__init__(address, _Handler)

    def verify_request(self, request, client_address) -> bool:
        if self.endpoint.is_allowed(client_address[0], self.server_address[1]):
            return True
        log.info("VM %s: refused WinRM from %s (security groups)", self.endpoint.vm_id,
                 client_address[0])
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False

    def finish_request(self, request, client_address) -> None:
        if self.context is not None:
            try:
                request.settimeout(30)
                request = self.context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (OSError, ssl.SSLError) as error:
                log.debug("VM %s: TLS handshake failed: %s", self.endpoint.vm_id, error)
                return
        super().finish_request(request, client_address)


class WinRmEndpoint:
    """Listeners of one VM on 5985 (HTTP) and 5986 (HTTPS), from ``start`` to ``stop``."""

    def __init__(self, vm_id: str, addresses: list[str], ports: tuple[int, int],
                 is_allowed: Callable[[str, int], bool], service: WinRmService,
                 tls: ssl.SSLContext):
        self.vm_id = vm_id
        self.addresses = list(addresses)
        self.ports = ports
        self.is_allowed = is_allowed
        self.service = service
        self.tls = tls
        self.listeners: dict[tuple[str, int], _Listener] = {}
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.serving = False

    def config(self) -> dict:
        return self.service.config()

    def authorized(self, header: str, https: bool) -> bool:
        config = self.config()
        if not winrm_setting(config, "service/auth", "Basic"):
            return False
        if not https and not winrm_setting(config, "service", "AllowUnencrypted"):
            return False
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        user = user.rsplit("\\", 1)[-1].split("@", 1)[0]
        expected = self.service.password()
        return user.lower() == "administrator" and bool(expected) and password == expected

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self.lock:
            (self.connections.add if alive else self.connections.discard)(connection)

    def start(self) -> None:
        self.serving = True
        for address in list(self.addresses):
            self._open(address)

    def _open(self, address: str) -> None:
        for port, context in zip(self.ports, (None, self.tls), strict=True):
            if (address, port) in self.listeners:
                continue
            try:
                listener = _Listener((address, port), self, context)
            except OSError as error:
                raise BackendError(
                    f"cannot serve WinRM for VM {self.vm_id} on {address}:{port}: "
                    f"{error.strerror} (another simulator's VM may hold this address: give "
                    "each running simulator its own address range)") from error
            thread = threading.Thread(target=listener.serve_forever, kwargs={
                "poll_interval": 0.2}, name=f"winrm-{self.vm_id}-{port}", daemon=True)
            thread.start()
            self.listeners[(address, port)] = listener

    def listen(self, address: str) -> None:
        if address not in self.addresses:
            self.addresses.append(address)
        if self.serving:
            self._open(address)

    def unlisten(self, address: str) -> None:
        if address in self.addresses:
            self.addresses.remove(address)
        for key in [k for k in self.listeners if k[0] == address]:
            self._close(self.listeners.pop(key))

    @staticmethod
    def _close(listener: _Listener) -> None:
        listener.shutdown()
        listener.server_close()

    def stop(self) -> None:
        """Stop answering: listeners closed, connections cut, commands killed."""
        self.serving = False
        listeners, self.listeners = list(self.listeners.values()), {}
        for listener in listeners:
            self._close(listener)
        with self.lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.service.close()
