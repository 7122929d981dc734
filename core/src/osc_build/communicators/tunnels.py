"""ssh_local_tunnels and ssh_remote_tunnels: TCP ports forwarded over the build's SSH connection.

A local tunnel ``"8080:db:5432"`` listens on localhost:8080 here and reaches db:5432 from the
VM; a remote tunnel ``"9090:localhost:80"`` listens on the VM's localhost:9090 and reaches
localhost:80 from here, as Packer's tunnels do.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import threading

import paramiko

log = logging.getLogger(__name__)

BUFFER = 32768


def parse(spec: str) -> tuple[int, str, int]:
    """``"PORT:HOST:PORT"`` (checked when the options load) as its parts."""
    listen, host, port = spec.split(":")
    return int(listen), host, int(port)


def _pump(a: socket.socket | paramiko.Channel, b: socket.socket | paramiko.Channel) -> None:
    """Copy both ways until either side closes."""
    try:
        while True:
            ready, _, _ = select.select([a, b], [], [], 1.0)
            for source in ready:
                data = source.recv(BUFFER)
                if not data:
                    return
                (b if source is a else a).sendall(data)
    except OSError as err:
        log.debug("tunnel closed: %s", err)
    finally:
        for end in (a, b):
            with contextlib.suppress(OSError):
                end.close()


def _spawn(target, *args) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


class Tunnels:
    """The tunnels of one SSH connection; :meth:`close` ends them."""

    def __init__(self, transport: paramiko.Transport, local: list[str] | None,
                 remote: list[str] | None) -> None:
        self.transport = transport
        self.listeners: list[socket.socket] = []
        self.remote_ports: list[int] = []
        for spec in local or ():
            self._open_local(*parse(spec))
        for spec in remote or ():
            self._open_remote(*parse(spec))

    def _open_local(self, listen: int, host: str, port: int) -> None:
        listener = socket.create_server(("127.0.0.1", listen), reuse_port=False)
        self.listeners.append(listener)

        def accept() -> None:
            while True:
                try:
                    client, origin = listener.accept()
                except OSError:
                    return  # closed
                try:
                    channel = self.transport.open_channel("direct-tcpip", (host, port), origin)
                except (paramiko.SSHException, OSError) as err:
                    log.warning("local tunnel %d -> %s:%d refused by the VM: %s", listen, host,
                                port, err)
                    client.close()
                    continue
                _spawn(_pump, client, channel)

        _spawn(accept)

    def _open_remote(self, listen: int, host: str, port: int) -> None:
        def handler(channel: paramiko.Channel, _origin, _server) -> None:
            try:
                target = socket.create_connection((host, port), timeout=10)
            except OSError as err:
                log.warning("remote tunnel %d -> %s:%d: %s", listen, host, port, err)
                channel.close()
                return
            _spawn(_pump, target, channel)

        self.transport.request_port_forward("localhost", listen, handler=handler)
        self.remote_ports.append(listen)

    def close(self) -> None:
        for listener in self.listeners:
            with contextlib.suppress(OSError):
                listener.close()
        for port in self.remote_ports:
            with contextlib.suppress(paramiko.SSHException, OSError, EOFError):
                self.transport.cancel_port_forward("localhost", port)
        self.listeners, self.remote_ports = [], []
