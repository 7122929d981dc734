"""ssh_proxy_*: SSH through a SOCKS5 proxy that runs here, on loopback, with user/password."""

from __future__ import annotations

import select
import socket
import socketserver
import struct
import threading

import pytest

from osc_build.communicators import connect_ssh
from osc_build.errors import BuildError
from osc_build.log import redact

USER, PASSWORD = "proxy-user", "proxy-s3cret-pass"


class _Socks5(socketserver.BaseRequestHandler):
    """RFC 1928 CONNECT with RFC 1929 username/password, and nothing more."""

    def handle(self) -> None:
        conn = self.request
        _, count = conn.recv(2)
        methods = conn.recv(count)
        if 2 not in methods:
            conn.sendall(b"\x05\xff")
            return
        conn.sendall(b"\x05\x02")
        _, ulen = conn.recv(2)
        user = conn.recv(ulen).decode()
        plen = conn.recv(1)[0]
        password = conn.recv(plen).decode()
        if (user, password) != (USER, PASSWORD):
            conn.sendall(b"\x01\x01")
            return
        conn.sendall(b"\x01\x00")
        _, _, _, kind = conn.recv(4)
        host = conn.recv(conn.recv(1)[0]).decode() if kind == 3 else socket.inet_ntoa(conn.recv(4))
        port = struct.unpack("!H", conn.recv(2))[0]
        self.server.targets.append((host, port))
        target = socket.create_connection((host, port))
        conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")
        with target:
            while True:
                ready, _, _ = select.select([conn, target], [], [])
                for source in ready:
                    data = source.recv(32768)
                    if not data:
                        return
                    (target if source is conn else conn).sendall(data)


@pytest.fixture
def proxy():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Socks5)
    server.daemon_threads = True
    server.targets = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_ssh_goes_through_the_proxy(build, server, options_for, client_pem, proxy):
    options = options_for(server, ssh_proxy_host="127.0.0.1",
                          ssh_proxy_port=proxy.server_address[1], ssh_proxy_username=USER,
                          ssh_proxy_password=PASSWORD)
    with connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem) as comm:
        assert comm.run("true") == 0
    assert proxy.targets and proxy.targets[0] == ("127.0.0.1", server.port)
    assert PASSWORD not in redact(f"password {PASSWORD}")


def test_a_refused_proxy_login_ends_in_the_timeout_error(build, server, options_for,
                                                         client_pem, proxy):
    options = options_for(server, ssh_proxy_host="127.0.0.1",
                          ssh_proxy_port=proxy.server_address[1], ssh_proxy_username=USER,
                          ssh_proxy_password="wrong", ssh_timeout="1s")
    with pytest.raises(BuildError, match="timeout waiting for SSH"):
        connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem)
    assert proxy.targets == []
