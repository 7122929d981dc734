"""The HTTP(S) front: routing, client certificates, signatures, validation, faults.

``POST /api/v1/<Operation>`` serves the default region and
``POST /<region>/api/v1/<Operation>`` any configured region. ``/_sim/...`` is
the admin endpoint (loopback clients only).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import ssl
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import admin, catalogue, signing, tls
from .backend import Backend
from .config import SimConfig, load_or_create
from .engine import Simulator, now_iso
from .errors import ApiError
from .oos.servers import OosServers, region_keys
from .ops import Ctx, load_all
from .ops.vm_state import follow_guest_shutdowns
from .recovery import recover
from .spec import Spec, load_spec

log = logging.getLogger(__name__)
# How often an idle listener checks for a stop request (seconds); the default 0.5 s made each
# stop wait up to a second for the two listeners, a cost every test simulator paid.
SHUTDOWN_POLL = 0.1
_PATH_RE = re.compile(r"^/(?:(?P<region>[a-z0-9-]+)/)?api/(?:v1|latest)/(?P<op>[A-Za-z]+)/?$")


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, owner: SimServer, ssl_context=None) -> None:
        self.owner = owner
        self.ssl_context = ssl_context
        super().__init__(address, handler)

    def finish_request(self, request, client_address) -> None:
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                log.info("TLS handshake from %s failed: %s", client_address[0], exc)
                return
        super().finish_request(request, client_address)


class SimServer:
    """One simulator: its state, its HTTP and HTTPS listeners, its backend."""

    def __init__(self, data_dir: Path, *, config: SimConfig | None = None,
                 config_path: Path | None = None, backend: Backend | None = None,
                 host: str = "127.0.0.1", port: int = 0, tls_port: int | None = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"host {host} is not a loopback address; the simulator only "
                             "listens on 127.0.0.0/8")
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path = config_path or self.data_dir / "config.json"
        self.config = config or load_or_create(self.config_path)
        self.tls_files, self.tls_created = tls.ensure(self.data_dir / "tls")
        self.spec = Spec(load_spec(self.data_dir / "cache"))
        self.handlers = load_all()
        self.http = _HttpServer((host, port), _Handler, self)
        self.https = None
        if tls_port is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.tls_files.server)
            context.load_verify_locations(self.config.client_ca or self.tls_files.ca)
            context.verify_mode = ssl.CERT_OPTIONAL
            self.https = _HttpServer((host, tls_port), _Handler, self, context)
        self.endpoint = f"http://{host}:{self.http.server_address[1]}/api/v1"
        self.tls_endpoint = (f"https://{host}:{self.https.server_address[1]}/api/v1"
                             if self.https else None)
        self.sim = Simulator(self.data_dir, self.config, self.spec, backend,
                             public_endpoints=self.region_endpoints(self.tls_endpoint
                                                                   or self.endpoint))
        with self.sim.store.write() as tx:
            for region in self.config.regions:
                catalogue.seed(tx, region, now_iso())
        self.oos = OosServers(self.data_dir, self.config.regions)
        self._threads: list[threading.Thread] = []
        self.shutdown_requested = threading.Event()

    def region_endpoints(self, base: str) -> dict[str, str]:
        root = base.rsplit("/api/v1", 1)[0]
        return {name: base if name == self.config.default_region else f"{root}/{name}/api/v1"
                for name in self.config.regions}

    def start(self) -> None:
        follow_guest_shutdowns(self.sim)
        recover(self.sim)
        self.oos.write_keys(region_keys(self.config.accounts, self.config.regions))
        self.oos.start()
        self.sim.oos_endpoints = dict(self.oos.endpoints)
        # From now on (not for the catalogue and recovery writes): the read-after-write lag.
        self.sim.store.read_lag = self.sim.timings["read_lag"]
        for server in filter(None, (self.http, self.https)):
            thread = threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL,),
                                      daemon=True, name=f"sim-http-{server.server_address[1]}")
            thread.start()
            self._threads.append(thread)

    def request_shutdown(self) -> None:
        """Stop serving (``POST /_sim/shutdown``); ``serve`` then exits."""
        self.shutdown_requested.set()

    def stop(self) -> None:
        for server in filter(None, (self.http, self.https)):
            server.shutdown()
            server.server_close()
        self.sim.shutdown()
        self.oos.stop()  # after the jobs: an export under way finishes its upload

    def handle(self, region: str, operation: str, headers: dict[str, str], body: bytes,
               path: str, peer_cert: bool) -> tuple[int, dict, str]:
        """Answer one API call: (status, JSON body, account id for the log)."""
        request_id = str(uuid.uuid4())
        account = None
        try:
            if region not in self.config.regions:
                raise ApiError(404, 5043, f"Unknown region {region!r}; this simulator serves "
                                          f"{sorted(self.config.regions)}.")
            if self.config.regions[region].require_client_cert and not peer_cert:
                raise ApiError(401, 1, f"Region {region} requires a client certificate signed "
                                       "by the configured CA (mutual TLS over HTTPS).")
            if f"/{operation}" not in self.spec.raw["paths"]:
                raise ApiError(404, 5038, f"{operation} is not an OAPI operation.")
            if self.spec.needs_auth(operation):
                account = self._authenticate(region, headers, body, path)
            self.sim.faults.check_request(operation)
            handler = self.handlers.get(operation)
            if handler is None:
                raise ApiError(400, 12000, f"{operation} is valid OAPI but not simulated.")
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                raise ApiError(400, 4047, "The request body is not valid JSON.") from None
            self.spec.check_request(operation, payload)
            if payload.get("DryRun"):
                result = {}
            else:
                reading = operation.startswith("Read")
                write_lag = 0.0 if reading else self.sim.faults.write_lag(operation)
                with self.sim.store.api_call(write_lag=write_lag, lagged_reads=reading):
                    result = handler(Ctx(self.sim, account, region, operation), payload)
                if delay := self.sim.faults.answer_delay(operation):
                    time.sleep(delay)  # done, but the caller learns it late (or never)
            result["ResponseContext"] = {"RequestId": request_id}
            return 200, result, account.account_id if account else ""
        except ApiError as exc:
            return exc.status, exc.body(request_id), account.account_id if account else ""

    def _authenticate(self, region: str, headers: dict[str, str], body: bytes, path: str):
        value = headers.get("authorization", "")
        if not value:
            raise ApiError(401, 1, "Missing Authorization header.")
        try:
            auth = signing.parse_authorization(value)
        except signing.SignatureProblem as exc:
            raise ApiError(401, 1, str(exc)) from None
        found = self.config.find_key(auth.access_key)
        if found is None:
            raise ApiError(400, 4120, "")
        account, key = found
        if account.region != region:
            # Regions are independent: the key's account does not exist in this one.
            raise ApiError(400, 4120, f"This access key belongs to an account of Region "
                                      f"{account.region}; Regions do not share accounts or "
                                      f"keys: use an access key of Region {region}.")
        if auth.region != region:
            raise ApiError(401, 1, f"Credential scope region {auth.region!r} does not match "
                                   f"the endpoint's region {region!r}.")
        try:
            signing.verify(auth, key.secret_key, path=path, headers=headers, body=body,
                           now=datetime.now(UTC) + timedelta(seconds=self.config.clock_offset))
        except signing.SignatureProblem as exc:
            details = str(exc) if exc.kind in ("skew", "malformed") else ""
            raise ApiError(401, 1, details) from None
        return account


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle, the body waited for the client's
    # delayed ACK (40 ms per call on keep-alive connections).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args) -> None:
        log.debug("%s " + fmt, self.client_address[0], *args)

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._admin("GET", b"")

    def do_POST(self) -> None:
        body = self._body()
        if self.path.startswith("/_sim/"):
            self._admin("POST", body)
            return
        owner = self.server.owner
        started = time.monotonic()
        match = _PATH_RE.match(self.path)
        region = match["region"] or owner.config.default_region if match else ""
        operation = match["op"] if match else self.path
        if match is None:
            status, payload, account = 404, ApiError(404, 5038, "Use POST /api/v1/<Operation>"
                                                     ).body(str(uuid.uuid4())), ""
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            peer = isinstance(self.connection, ssl.SSLSocket) and bool(
                self.connection.getpeercert())
            status, payload, account = owner.handle(region, operation, headers, body,
                                                    self.path, peer)
        self._send(status, payload)
        code = payload["Errors"][0]["Code"] if "Errors" in payload else ""
        owner.sim.store.log_request(
            request_id=payload["ResponseContext"]["RequestId"], region=region,
            operation=operation, account=account, status=status, error_code=code,
            latency_ms=(time.monotonic() - started) * 1000)

    def _admin(self, method: str, body: bytes) -> None:
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self._send(403, {"error": "the admin endpoint answers loopback clients only"})
            return
        status, payload = admin.handle(self.server.owner, method, self.path, body)
        self._send(status, payload)
