"""The simulator's core: state, clock, jobs that drive transitions, the backend.

Handlers change state inside short SQLite transactions and hand slow work
(backend calls, transition delays) to worker threads; those call the backend
with no transaction open and map :class:`BackendError` to the resource's error
state.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from . import profiles
from .backend import Backend, BackendError, NullBackend
from .config import SimConfig
from .faults import Faults
from .spec import Spec
from .store import Store, Tx

log = logging.getLogger(__name__)

PRIVATE_NET = ipaddress.ip_network("127.16.0.0/12")
PUBLIC_NET = ipaddress.ip_network("127.64.0.0/12")
CATALOGUE_ACCOUNT_ID = "000000000001"
CATALOGUE_ALIAS = "Outscale"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


class Simulator:
    def __init__(self, data_dir: Path, config: SimConfig, spec: Spec,
                 backend: Backend | None = None, *, public_endpoints: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.config = config
        self.spec = spec
        self.backend: Backend = backend or NullBackend()
        self.public_endpoints = public_endpoints
        self.oos_endpoints: dict[str, str] = {}  # Region -> its OOS base URL (set by serve)
        self.store = Store(data_dir / "state.sqlite3")
        self.timings = profiles.timings(config.profile, config.timings)
        self.faults = Faults(config.faults, config.seed)
        self.stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="sim-job")
        # Two simulators (two data dirs) running real VMs at once must not hand out the
        # same loopback addresses: each starts its ranges at its own offset.
        digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).digest()
        self.ip_offset = int.from_bytes(digest[:4], "big") % 0x8000 * 16

    # Jobs ------------------------------------------------------------------
    def submit(self, job: Callable[[], None]) -> None:
        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("simulator job failed")
            finally:
                self.store.close_thread_connection()
        self._pool.submit(run)

    def transition(self, kind: str, ident: str, *, delay: float,
                   finish: Callable[[Tx, dict], None],
                   fail: Callable[[Tx, dict, str], None],
                   work: Callable[[], None] | None = None, fault: str | None = None,
                   ) -> Callable[[], None]:
        """A job: do ``work``, wait ``delay``, then ``finish`` (or ``fail`` on BackendError)."""
        def job() -> None:
            started = time.monotonic()
            if fault == "hang":
                log.info("fault: %s %s hangs", kind, ident)
                self.stopping.wait()
                return
            try:
                if fault == "fail":
                    raise BackendError("injected failure")
                if work:
                    work()
            except BackendError as exc:
                log.warning("%s %s: %s", kind, ident, exc)
                with self.store.write() as tx:
                    if (doc := tx.get(kind, ident)) is not None:
                        fail(tx, doc, str(exc))
                return
            remaining = delay - (time.monotonic() - started)
            if remaining > 0 and self.stopping.wait(remaining):
                return
            with self.store.write() as tx:
                if (doc := tx.get(kind, ident)) is not None:
                    finish(tx, doc)
        return job

    # Addresses -------------------------------------------------------------
    def _used_ips(self, tx: Tx) -> set[str]:
        used = set()
        for vm in tx.list("vm"):
            if vm["State"] != "terminated":
                used.add(vm.get("PrivateIp"))
                used.add(vm.get("PublicIp"))
        for ip in tx.list("public_ip"):
            used.add(ip["PublicIp"])
        return used

    def allocate_private_ip(self, tx: Tx, subnet: dict | None) -> str:
        """An address in 127.16.0.0/12 that mirrors the subnet's own range when it can."""
        used = self._used_ips(tx)
        if subnet:
            net = ipaddress.ip_network(subnet["IpRange"])
            base = int(PRIVATE_NET.network_address) | (int(net.network_address) & 0xFFFFF)
            start = 4 + self.ip_offset % max(1, min(net.num_addresses - 8, 1 << 12))
            for offset in range(start, min(net.num_addresses - 1, 1 << 16)):
                candidate = str(ipaddress.ip_address(base + offset))
                if ipaddress.ip_address(candidate) in PRIVATE_NET and candidate not in used:
                    return candidate
        while True:
            n = tx.next_counter("private_ip")
            candidate = str(PRIVATE_NET.network_address + 0x80000 + self.ip_offset + 10 + n)
            if candidate not in used:
                return candidate

    def allocate_public_ip(self, tx: Tx) -> str:
        used = self._used_ips(tx)
        while True:
            candidate = str(PUBLIC_NET.network_address + self.ip_offset + 10
                            + tx.next_counter("public_ip"))
            if candidate not in used:
                return candidate

    # Lifecycle -------------------------------------------------------------
    def shutdown(self) -> None:
        self.stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)
        try:
            self.backend.shutdown()
        except BackendError as exc:
            log.warning("backend shutdown: %s", exc)
