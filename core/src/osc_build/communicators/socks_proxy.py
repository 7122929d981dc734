"""ssh_proxy_*: reach the VM's SSH port through a SOCKS5 proxy (PySocks makes the socket)."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import socks


@dataclass(frozen=True)
class SocksProxy:
    host: str
    port: int = 1080
    username: str | None = None
    password: str | None = None

    def connect(self, host: str, port: int, timeout: float) -> socket.socket:
        """A socket to ``host:port`` opened by the proxy (which resolves the name)."""
        return socks.create_connection(
            (host, port), timeout=timeout, proxy_type=socks.SOCKS5, proxy_addr=self.host,
            proxy_port=self.port, proxy_rdns=True, proxy_username=self.username,
            proxy_password=self.password)
