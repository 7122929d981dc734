"""ssh_local_tunnels and ssh_remote_tunnels through a real SSH server, all on loopback."""

from __future__ import annotations

import socket
import socketserver
import threading
import time

import pytest

from osc_build.communicators import connect_ssh


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(1024):
            self.request.sendall(b"echo:" + data)


@pytest.fixture
def echo_port():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ask(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"ping")
        return conn.recv(1024)


@pytest.mark.parametrize("option", ["ssh_local_tunnels", "ssh_remote_tunnels"])
def test_tunnel_carries_traffic_and_closes_with_the_connection(
        option, build, make_server, options_for, client_pem, echo_port):
    server = make_server(allow_forwarding=True)
    listen = free_port()
    options = options_for(server, **{option: [f"{listen}:127.0.0.1:{echo_port}"]})
    comm = connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem)
    with comm:
        assert ask(listen) == b"echo:ping"
        assert ask(listen) == b"echo:ping"  # a second connection through the same tunnel
    if option == "ssh_local_tunnels":  # our listener is gone with the connection
        assert listener_closes(listen)


def listener_closes(port: int, tries: int = 50) -> bool:
    """The tunnel's listener stops accepting (its thread may take a moment under load)."""
    for _ in range(tries):
        try:
            ask(port)
        except OSError:
            return True
        time.sleep(0.1)
    return False
