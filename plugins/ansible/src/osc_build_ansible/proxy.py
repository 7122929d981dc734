"""Packer's local SSH proxy (``use_proxy = true``): Ansible's ssh talks to 127.0.0.1, and
every session is relayed to the VM over the build's own SSH connection.

The proxy listens on a random port with a fresh host key and lets in one user with one key,
both made for this run: Ansible never gets the VM's key (nor its bastion), and whatever
reaches the VM (a bastion, a password) is the communicator's business. An ``exec`` request
runs its command on the VM with stdin, stdout and stderr piped and its exit status sent
back; the ``sftp`` subsystem runs ``sftp_command`` on the VM the same way; a terminal asked
for (``ssh -tt``) is asked for on the VM too.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shlex
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import paramiko

log = logging.getLogger(__name__)
# paramiko logs three INFO lines per connection, and Ansible connects once per command.
_TRANSPORT_LOG = f"{__name__}.transport"
logging.getLogger(_TRANSPORT_LOG).setLevel(logging.WARNING)

OpenChannel = Callable[[], paramiko.Channel]
_CHUNK = 32768
_ERRORS = (OSError, EOFError, paramiko.SSHException)
NOT_FOUND = 127  # what a shell exits with for a command it cannot find


def new_key() -> paramiko.ECDSAKey:
    """A one-time key pair (ECDSA P-256, Packer's default for its proxy)."""
    return paramiko.ECDSAKey.generate()


def private_key_text(key: paramiko.PKey) -> str:
    out = io.StringIO()
    key.write_private_key(out)
    return out.getvalue()


def is_scp(command: str) -> bool:
    """``scp -t``/``scp -f``: the remote end of an scp transfer (legacy protocol)."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return bool(words) and words[0].rsplit("/", 1)[-1] == "scp" and any(
        w.startswith("-") and ("t" in w or "f" in w) for w in words[1:])


@dataclass
class ProxyFindings:
    """What the VM lacked and what to change, for the build's error."""

    hints: list[str] = field(default_factory=list)

    def add(self, hint: str) -> None:
        if hint not in self.hints:
            self.hints.append(hint)


class SshProxy:
    """``with SshProxy(open_channel, user=..., client_key=..., sftp_command=...) as proxy:``
    Ansible connects to ``127.0.0.1:proxy.port`` as ``user`` with ``client_key``."""

    def __init__(self, open_channel: OpenChannel, *, user: str, client_key: paramiko.PKey,
                 sftp_command: str) -> None:
        self._open_channel = open_channel
        self.user = user
        self._accepted = client_key.asbytes()
        self.sftp_command = sftp_command
        self.host_key = new_key()
        self.findings = ProxyFindings()
        self._open_lock = threading.Lock()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []
        self._vm_channels: set[paramiko.Channel] = set()

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("SshProxy used outside its with block")
        return self._listener.getsockname()[1]

    def __enter__(self) -> SshProxy:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # the accept loop checks for the end this often
        self._spawn(self._accept_loop, "accept")
        log.debug("ssh proxy: listening on 127.0.0.1:%d for %s", self.port, self.user)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        with self._lock:
            transports, channels = list(self._transports), list(self._vm_channels)
        for channel in channels:  # what still runs on the VM for a client that is gone
            with contextlib.suppress(*_ERRORS):
                channel.close()
        for transport in transports:
            with contextlib.suppress(*_ERRORS):
                transport.close()
        for thread in list(self._threads):
            thread.join(5)
        if self._listener is not None:
            self._listener.close()

    # -- connections ------------------------------------------------------------------
    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True,
                                  name=f"ssh-proxy-{name}")
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            self._spawn(self._handshake, "handshake", conn)

    def _handshake(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        transport.set_log_channel(_TRANSPORT_LOG)
        transport.add_server_key(self.host_key)
        with self._lock:
            if self._stopping.is_set():
                transport.close()
                return
            # Ansible connects once per command (no ssh master): keep only the live ones.
            self._transports = [t for t in self._transports if t.is_active()]
            self._transports.append(transport)
        try:
            transport.start_server(server=_Server(self))
        except _ERRORS as err:
            log.debug("ssh proxy: a client's handshake failed: %s", err)
            transport.close()

    def authorised(self, username: str, key: paramiko.PKey) -> bool:
        ok = username == self.user and key.asbytes() == self._accepted
        if not ok:
            log.info("ssh proxy: refused a login as %r with a key that is not the proxy's",
                     username)
        return ok

    # -- sessions ---------------------------------------------------------------------
    def relay(self, client: paramiko.Channel, command: str,
              pty: tuple[str, int, int] | None) -> None:
        self._spawn(self._relay, "relay", client, command, pty)

    def _open_vm_session(self, command: str,
                         pty: tuple[str, int, int] | None) -> paramiko.Channel:
        with self._open_lock:  # the communicator may reconnect: one caller at a time
            vm = self._open_channel()
        try:
            if pty is not None:
                term, width, height = pty
                vm.get_pty(term=term, width=width, height=height)
            vm.exec_command(command.encode("utf-8", "surrogateescape"))
        except BaseException:
            vm.close()
            raise
        return vm

    def _relay(self, client: paramiko.Channel, command: str,
               pty: tuple[str, int, int] | None) -> None:
        log.debug("ssh proxy: running on the VM: %s", command[:200])
        try:
            vm = self._open_vm_session(command, pty)
        except Exception as err:  # a reconnect's BuildError too: tell the client
            with contextlib.suppress(*_ERRORS):
                client.sendall_stderr(f"osc-build ssh proxy: cannot run the command on the "
                                      f"VM: {err}\n".encode())
                client.send_exit_status(255)
            client.close()
            return
        with self._lock:
            self._vm_channels.add(vm)
        try:
            self._pump(client, vm, forward_eof=pty is None)
            status = vm.recv_exit_status()
            if status == NOT_FOUND:
                self._explain_not_found(client, command)
            client.shutdown_write()  # after the last output: paramiko drops data sent later
            if status >= 0:  # -1: the VM connection went away; ssh then says 255
                client.send_exit_status(status)
        except _ERRORS as err:
            log.debug("ssh proxy: relay ended: %s", err)
        finally:
            with self._lock:
                self._vm_channels.discard(vm)
            vm.close()
            with contextlib.suppress(*_ERRORS):
                client.close()

    def _pump(self, client: paramiko.Channel, vm: paramiko.Channel, *, forward_eof: bool) -> None:
        """Client input to the VM (its own thread), the VM's stderr (another), its stdout
        here; returns when the VM has sent all its output."""

        def upstream() -> None:
            try:
                while data := client.recv(_CHUNK):
                    vm.sendall(data)
                if client.closed or not client.get_transport().is_active():
                    vm.close()  # the client is gone: so is what it started
                elif forward_eof:
                    vm.shutdown_write()
            except _ERRORS:
                pass

        def stderr() -> None:
            try:
                while data := vm.recv_stderr(_CHUNK):
                    client.sendall_stderr(data)
            except _ERRORS:
                pass

        self._spawn(upstream, "stdin")
        errors = threading.Thread(target=stderr, daemon=True, name="ssh-proxy-stderr")
        errors.start()
        try:
            while data := vm.recv(_CHUNK):
                client.sendall(data)
        except _ERRORS:
            vm.close()  # the client is gone: stop the command, which ends the stderr thread
            raise
        finally:
            errors.join()

    def _explain_not_found(self, client: paramiko.Channel, command: str) -> None:
        """Exit status 127 for scp or the SFTP server: the VM lacks it; say what to do."""
        if is_scp(command):
            hint = ("the VM has no scp (use_sftp = false sends files with scp); install it "
                    "in the image (openssh-client) or set use_sftp = true")
        elif command == self.sftp_command:
            hint = (f"the VM has no {shlex.split(command)[0]!r} (sftp_command); set "
                    "sftp_command to the VM's SFTP server, e.g. "
                    "\"/usr/lib/openssh/sftp-server -e\", or use_sftp = false")
        else:
            return
        self.findings.add(hint)
        with contextlib.suppress(*_ERRORS):
            client.sendall_stderr(f"osc-build ssh proxy: {hint}\n".encode())


class _Server(paramiko.ServerInterface):
    """The proxy's answers to one client: public key only, sessions only, no shell."""

    def __init__(self, proxy: SshProxy) -> None:
        self.proxy = proxy
        self.ptys: dict[int, tuple[str, int, int]] = {}

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if self.proxy.authorised(username, key):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, channel, term, width, height, pixelwidth,
                                  pixelheight, modes) -> bool:
        self.ptys[channel.get_id()] = (_text(term) or "vt100", width, height)
        return True

    def check_channel_window_change_request(self, channel, width, height, pixelwidth,
                                            pixelheight) -> bool:
        return True  # the VM's terminal keeps its size: nothing reads it in a play

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        text = _text(command)
        if not text:
            return False
        self.proxy.relay(channel, text, self.ptys.pop(channel.get_id(), None))
        return True

    def check_channel_subsystem_request(self, channel: paramiko.Channel, name: str) -> bool:
        if name != "sftp":
            log.info("ssh proxy: refused the %r subsystem (only sftp is relayed)", name)
            return False
        self.proxy.relay(channel, self.proxy.sftp_command, None)
        return True


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
