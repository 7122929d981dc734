"""Moving bytes between an SSH channel and a command running inside a VM."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import struct
import termios

import asyncssh


class PtyWriter:
    """Writes keystrokes to a pty master (small writes: a blocking write is fine)."""

    def __init__(self, fd: int):
        self.fd = fd

    def write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, data)

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self.fd, b"\x04")  # end of input is ^D on a terminal


async def copy_out(source: asyncio.StreamReader, sink) -> None:
    while True:
        try:
            data = await source.read(65536)
        except OSError:  # EIO: every user of the pty has closed it
            return
        if not data:
            return
        sink.write(data)
        await sink.drain()


async def copy_in(process, sink, pty_fd: int | None = None) -> None:
    while True:
        try:
            data = await process.stdin.read(65536)
        except asyncssh.TerminalSizeChanged as change:
            if pty_fd is not None:
                set_size(pty_fd, change.width, change.height)
            continue
        except (asyncssh.BreakReceived, asyncssh.SignalReceived, asyncssh.SoftEOFReceived):
            continue
        if not data:
            break
        sink.write(data)
        with contextlib.suppress(ConnectionError):
            await sink.drain()
    with contextlib.suppress(OSError):
        sink.close()


async def finish(child, outputs: list[asyncio.Future], feeding: asyncio.Future,
                  linger: float = 5.0) -> int:
    """Wait for the command, then for its output (a background job may hold it open)."""
    status = await child.wait()
    _, pending = await asyncio.wait(outputs, timeout=linger)
    for task in [*pending, feeding]:
        task.cancel()
    await asyncio.gather(*outputs, feeding, return_exceptions=True)
    return status


def set_size(fd: int, cols: int, rows: int) -> None:
    if cols and rows:
        with contextlib.suppress(OSError):
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def client_env(env) -> dict[str, str]:
    """Client-sent variables, as text (asyncssh hands them over as bytes with encoding=None)."""
    result = {}
    for key, value in (env or {}).items():
        key = key.decode(errors="replace") if isinstance(key, bytes) else str(key)
        value = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        if key and "=" not in key and "\0" not in key + value:
            result[key] = value
    return result
