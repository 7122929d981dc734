"""Answers leave at once: headers and body are two writes, and Nagle would hold the body
back until the client's delayed ACK (40 ms a call, 23 calls/s on a kept-alive connection)."""

from __future__ import annotations

import socket

from osc_build_sim.server import _Handler


class _Connection:
    def __init__(self) -> None:
        self.options: dict[tuple[int, int], int] = {}

    def setsockopt(self, level: int, name: int, value: int) -> None:
        self.options[level, name] = value

    def makefile(self, *args, **kwargs):
        return None


def test_the_api_handler_turns_nagle_off_on_each_connection():
    handler = _Handler.__new__(_Handler)
    handler.request = handler.connection = _Connection()
    handler.timeout = None
    handler.setup()
    assert handler.connection.options.get((socket.IPPROTO_TCP, socket.TCP_NODELAY)) is True
