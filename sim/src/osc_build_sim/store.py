"""Resource state in SQLite: one JSON document per resource, plus the request log.

WAL mode, one connection per thread, ``BEGIN IMMEDIATE`` for every write, so
concurrent requests serialise their writes and a ``kill -9`` loses nothing
that was committed. With a read-after-write lag on (see ``lag``), writes record
what they replaced and API reads may see the state from before them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .lag import Change, History, LaggedTx

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    region TEXT NOT NULL,
    owner TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_kind ON resources(kind, region);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    request_id TEXT NOT NULL,
    region TEXT NOT NULL,
    operation TEXT NOT NULL,
    account TEXT NOT NULL,
    status INTEGER NOT NULL,
    error_code TEXT NOT NULL,
    latency_ms REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Tx:
    """The resource operations available inside one transaction."""

    def __init__(self, conn: sqlite3.Connection, lag: float = 0.0) -> None:
        self.conn = conn
        self.lag = lag  # seconds this transaction's writes stay hidden from lagged reads
        self.changes: list[Change] = []
        self._remembered: set[str] = set()

    def _remember(self, ident: str) -> None:
        """Keep the document ``ident`` had before this transaction, for lagged reads."""
        if self.lag <= 0 or ident in self._remembered:
            return
        self._remembered.add(ident)
        row = self.conn.execute("SELECT kind, region, data FROM resources WHERE id=?",
                                (ident,)).fetchone()
        before = json.loads(row[2]) if row else None
        self.changes.append(Change(ident, row[0] if row else "", row[1] if row else "",
                                   before, time.monotonic() + self.lag))

    def get(self, kind: str, ident: str) -> dict | None:
        row = self.conn.execute("SELECT data FROM resources WHERE id=? AND kind=?",
                                (ident, kind)).fetchone()
        return json.loads(row[0]) if row else None

    def list(self, kind: str, region: str | None = None) -> list[dict]:
        if region is None:
            rows = self.conn.execute("SELECT data FROM resources WHERE kind=? ORDER BY seq",
                                     (kind,))
        else:
            rows = self.conn.execute(
                "SELECT data FROM resources WHERE kind=? AND region=? ORDER BY seq", (kind, region))
        return [json.loads(row[0]) for row in rows]

    def put(self, doc: dict) -> dict:
        """Insert or replace; ``doc`` carries ``_id``, ``_kind``, ``_region`` and ``_owner``."""
        self._remember(doc["_id"])
        self.conn.execute(
            "INSERT INTO resources(id, kind, region, owner, data) VALUES (?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET data=excluded.data",
            (doc["_id"], doc["_kind"], doc["_region"], doc["_owner"], json.dumps(doc)))
        return doc

    def delete(self, ident: str) -> None:
        self._remember(ident)
        self.conn.execute("DELETE FROM resources WHERE id=?", (ident,))

    def next_counter(self, name: str) -> int:
        self.conn.execute("INSERT INTO counters(name, value) VALUES (?, 0) "
                          "ON CONFLICT(name) DO UPDATE SET value=value+1", (name,))
        return self.conn.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()[0]


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._conn().executescript(SCHEMA)
        self.history = History()
        self.read_lag = 0.0  # seconds every write stays hidden (timing profile read_lag)

    @contextmanager
    def api_call(self, *, write_lag: float = 0.0, lagged_reads: bool = False) -> Iterator[None]:
        """Within one API call on this thread: how long its writes hide, whether reads lag."""
        self._local.call = (write_lag, lagged_reads)
        try:
            yield
        finally:
            self._local.call = None

    def _call(self) -> tuple[float, bool]:
        return getattr(self._local, "call", None) or (0.0, False)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        tx = Tx(conn, lag=max(self.read_lag, self._call()[0]))
        try:
            yield tx
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        if tx.changes:
            self.history.record(tx.changes)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read transaction; inside a lagged API read, the state before hidden writes."""
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            tx = Tx(conn)
            hidden = self.history.hidden() if self._call()[1] else {}
            yield LaggedTx(tx, hidden) if hidden else tx
        finally:
            conn.execute("COMMIT")

    def log_request(self, *, request_id: str, region: str, operation: str, account: str,
                    status: int, error_code: str, latency_ms: float) -> None:
        conn = self._conn()
        conn.execute(
            "INSERT INTO requests(time, request_id, region, operation, account, status, "
            "error_code, latency_ms) VALUES (?,?,?,?,?,?,?,?)",
            (time.time(), request_id, region, operation, account, status, error_code, latency_ms))

    def requests(self, since: int = 0) -> list[dict]:
        rows = self._conn().execute(
            "SELECT seq, time, request_id, region, operation, account, status, error_code, "
            "latency_ms FROM requests WHERE seq > ? ORDER BY seq", (since,))
        names = ("seq", "time", "request_id", "region", "operation", "account", "status",
                 "error_code", "latency_ms")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def close_thread_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def public(doc: dict) -> dict:
    """The API view of a stored document: internal ``_`` keys removed."""
    return {key: value for key, value in doc.items() if not key.startswith("_")}
