"""A listening socket inside a VM's network namespace, relayed to an address on this host.

A socket belongs to the network namespace it was created in: a short-lived thread enters
the VM's namespace (``setns``, per thread), creates and binds the socket there, and
leaves; the simulator's event loop then accepts on it and relays each connection to the
host side (the archive proxy). The guest sees a local service at 127.0.0.1:PORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import socket
import threading

log = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"setns: {os.strerror(error)}")


def listen_in_netns(pid: int, address: str, port: int) -> socket.socket:
    """A listening TCP socket bound to ``address:port`` in the network namespace of ``pid``."""
    result: dict = {}

    def create() -> None:
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
        try:
            _setns(target)
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, port))
                sock.listen(64)
                result["socket"] = sock
            finally:
                _setns(own)
        except OSError as error:
            result["error"] = error
        finally:
            os.close(own)
            os.close(target)

    thread = threading.Thread(target=create, name=f"netns-{pid}")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["socket"]


class Relay:
    """Accepts in a VM's namespace, connects to ``target`` on this host, copies both ways."""

    def __init__(self, listener: socket.socket, target: tuple[str, int]):
        self.listener = listener
        self.target = target
        self._task: asyncio.Task | None = None
        self._connections: set[asyncio.Task] = set()

    async def start(self) -> None:
        self.listener.setblocking(False)
        self._task = asyncio.get_running_loop().create_task(self._accept())

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            client, _ = await loop.sock_accept(self.listener)
            task = loop.create_task(self._serve(client))
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)

    async def _serve(self, client: socket.socket) -> None:
        reader, writer = await asyncio.open_connection(sock=client)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError as error:
            log.warning("relay to %s:%d failed: %s", *self.target, error)
            writer.close()
            return
        await asyncio.gather(copy_stream(reader, up_writer), copy_stream(up_reader, writer))

    async def stop(self) -> None:
        for task in [self._task, *self._connections]:
            if task is not None:
                task.cancel()
        await asyncio.gather(*[t for t in [self._task, *self._connections] if t],
                             return_exceptions=True)
        self.listener.close()


async def copy_stream(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until end of stream, then close ``writer`` (the other direction keeps going)."""
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()
