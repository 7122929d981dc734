"""Loopback HTTP servers for the client tests: a scripted OAPI endpoint and metadata service."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from osc_build_outscale.client.credentials import Credentials

ACCESS_KEY = "AKTESTACCESSKEY00000"
SECRET_KEY = "SKtestSECRETkey0000000000000000000000000"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def osc4_signature(secret_key: str, *, region: str, host: str, path: str, body: bytes,
                   date_iso: str, content_type: str = "application/json; charset=utf-8") -> str:
    """OSC4-HMAC-SHA256 as the API computes it (AWS SigV4 with renames)."""
    canonical = "\n".join(["POST", path, "", f"content-type:{content_type}", f"host:{host}",
                           f"x-osc-date:{date_iso}", "", "content-type;host;x-osc-date",
                           hashlib.sha256(body).hexdigest()])
    scope = f"{date_iso[:8]}/{region}/api/osc4_request"
    to_sign = "\n".join(["OSC4-HMAC-SHA256", date_iso, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(("OSC4" + secret_key).encode(), date_iso[:8])
    for part in (region, "api", "osc4_request"):
        key = _hmac(key, part)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; str -> text/plain
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (until the test ends)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None


class ScriptedServer:
    """A loopback HTTP server answering with scripted replies, recording every request."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.routes: dict[str, Reply] = {}
        self.requests: list[Seen] = []
        self.secret_key = SECRET_KEY
        self.region = "eu-west-2"
        self.released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server.handle(self, self.rfile.read(length))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)

    def add(self, status: int = 200, body: Any = None, **kwargs: Any) -> None:
        self.replies.append(Reply(status, body, **kwargs))

    def _check_signature(self, handler: BaseHTTPRequestHandler, body: bytes) -> bool | None:
        header = handler.headers.get("Authorization", "")
        if not header.startswith("OSC4-HMAC-SHA256"):
            return None
        expected = osc4_signature(self.secret_key, region=self.region, host="127.0.0.1",
                                  path=handler.path, body=body,
                                  date_iso=handler.headers.get("X-Osc-Date", ""),
                                  content_type=handler.headers.get("Content-Type", ""))
        return header.endswith(f"Signature={expected}")

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        self.requests.append(Seen(handler.command, handler.path, dict(handler.headers), body,
                                  self._check_signature(handler, body)))
        reply = self.routes.get(handler.path) or (
            self.replies.popleft() if self.replies else
            Reply(200, {"ResponseContext": {"RequestId": "req-default"}}))
        if reply.hang:
            self.released.wait(10)
            return
        if isinstance(reply.body, str):
            payload, content_type = reply.body.encode(), "text/plain"
        else:
            payload, content_type = json.dumps(reply.body or {}).encode(), "application/json"
        handler.send_response(reply.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(seen.body or b"{}") for seen in self.requests]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A scripted HTTP server on 127.0.0.1, stopped after the test."""
    scripted = ScriptedServer()
    scripted.thread.start()
    try:
        yield scripted
    finally:
        scripted.released.set()
        scripted.httpd.shutdown()
        scripted.httpd.server_close()


@pytest.fixture
def credentials(server: ScriptedServer) -> Credentials:
    """Credentials for the scripted server's OAPI endpoint."""
    return Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY, region="eu-west-2",
                       endpoint=f"{server.url}/api/v1", source="test")
