"""An HTTP proxy on loopback that lets guests reach the package archives and nothing else.

Guests have no network of their own; apt inside is configured to use this proxy (relayed
into each guest as 127.0.0.1:3128, see ``netns_relay``). Plain ``GET http://host/...``
and ``CONNECT host:443`` are served when ``host`` is an allowed archive (those the
machine's apt sources name, plus the simulator config's); anything else gets 403 and a
log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from urllib.parse import urlsplit

from osc_build_sim.machine.netns_relay import copy_stream

log = logging.getLogger(__name__)

GUEST_PROXY_PORT = 3128
HEADER_LIMIT = 64 * 1024


class ArchiveProxy:
    def __init__(self, allowed_hosts: frozenset[str], address: str = "127.0.0.1"):
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.address = address
        self.port = 0
        self.refused: list[str] = []  # "host:port" of every refused request, for the log/tests
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.address, 0,
                                                  limit=HEADER_LIMIT)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("archive proxy on %s:%d allows %s", self.address, self.port,
                 ", ".join(sorted(self.allowed_hosts)) or "nothing")

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        request_line, _, rest = head.partition(b"\r\n")
        try:
            method, target, version = request_line.decode("latin-1").split(" ", 2)
        except ValueError:
            await _answer(writer, 400, "Bad Request")
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            forward = b""
        else:
            parts = urlsplit(target)
            host, port = parts.hostname or "", str(parts.port or 80)
            if parts.scheme != "http" or not host:
                await _answer(writer, 400, "Bad Request")
                return
            path = parts.path or "/"
            if parts.query:
                path += f"?{parts.query}"
            forward = f"{method} {path} {version}\r\n".encode("latin-1") + rest
        host = host.strip("[]").lower()
        if host not in self.allowed_hosts or not port.isdigit():
            self.refused.append(f"{host}:{port}")
            log.warning("archive proxy: refused %s %s (not a package archive of this machine)",
                        method, target)
            await _answer(writer, 403, "Forbidden")
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(host, int(port)), 30)
        except (TimeoutError, OSError) as error:
            log.warning("archive proxy: %s:%s unreachable: %s", host, port, error)
            await _answer(writer, 502, "Bad Gateway")
            return
        if method == "CONNECT":
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            up_writer.write(forward)
        await asyncio.gather(copy_stream(reader, up_writer), copy_stream(up_reader, writer))


async def _answer(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    body = f"{status} {reason}: osc-build-sim guests reach only package archives\n".encode()
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()
