"""Waiting for a booting VM's SSH: connections reset before, in and after the SSH banner
are retried until the server answers, and paramiko's own tracebacks never reach the user."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from osc_build.communicators import connect, connect_ssh
from osc_build.errors import BuildError

# What a VM whose sshd is starting sends before it resets the connection.
RESETS = (b"", b"SSH-2.0-OpenSSH_9.2\r\n", b"not ssh yet\r\n",
          b"SSH-2.0-OpenSSH_9.2\r\n" + b"\0" * 64)


def _reset(client: socket.socket, first: bytes) -> None:
    with contextlib.suppress(OSError):
        if first:
            client.sendall(first)
            time.sleep(0.1)  # the client reads the banner, then meets the reset
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()


def _relay(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def booting_vm(ssh_port: int | None) -> Iterator[tuple[int, list[int]]]:
    """A port that resets each of RESETS in turn, then relays to ``ssh_port`` (or resets
    forever without one). Yields the port and a one-item list: connections seen."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen = [0]

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            seen[0] += 1
            if ssh_port is None or seen[0] <= len(RESETS):
                _reset(client, RESETS[(seen[0] - 1) % len(RESETS)])
                continue
            upstream = socket.create_connection(("127.0.0.1", ssh_port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_relay, args=(a, b), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        listener.close()


class _Console(logging.Handler):
    """Stands for the CLI's console handler: what reaches it at INFO is shown to the user."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.shown: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("paramiko"):
            self.shown.append(self.format(record))


@pytest.fixture
def console(monkeypatch) -> Iterator[_Console]:
    """paramiko at WARNING under a console at INFO, as ``osc_build.log.configure`` sets them."""
    monkeypatch.setattr(connect, "RETRY_INTERVAL", 0.05)
    monkeypatch.setattr(logging.getLogger("paramiko"), "level", logging.WARNING)
    handler = _Console()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


def test_resets_are_retried_until_ssh_answers_without_a_traceback(
        build, server, options_for, client_pem, console):
    with booting_vm(server.port) as (port, seen):
        comm = connect_ssh(build.ctx, "127.0.0.1", options_for(server, ssh_port=port),
                           private_key_pem=client_pem)
        with comm:
            assert comm.run("echo up-and-running") == 0
    assert seen[0] == len(RESETS) + 1
    assert "Connected to SSH!" in build.output and "up-and-running" in build.output
    assert console.shown == []  # paramiko's "Exception (client)" and tracebacks: debug only


def test_a_vm_that_keeps_resetting_times_out_with_the_last_error(build, console,
                                                                  communicator_options):
    with booting_vm(None) as (port, seen), pytest.raises(BuildError) as info:
        connect_ssh(build.ctx, "127.0.0.1", communicator_options(
            ssh_username="u", ssh_password="pw-1234", ssh_port=port, ssh_timeout="2s"))
    assert seen[0] >= len(RESETS)  # every kind of reset met, each one retried
    assert f"timeout waiting for SSH on u@127.0.0.1:{port} after 2s (last error: " in str(
        info.value)
    assert console.shown == []
