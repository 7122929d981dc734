"""Resource state in SQLite: one JSON document per resource, plus the request log.

WAL mode, one connection per thread, ``BEGIN IMMEDIATE`` for every write, so
concurrent requests serialise their writes and a ``kill -9`` loses nothing
that was committed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

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
        self.conn.execute(
            "INSERT INTO resources(id, kind, region, owner, data) VALUES (?,?,?,?,?) "
            "ON CONFLICT(id) DO UPDATE SET data=excluded.data",
            (doc["_id"], doc["_kind"], doc["_region"], doc["_owner"], json.dumps(doc)))
        return doc

    def delete(self, ident: str) -> None:
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
        try:
            yield Tx(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Tx]:
        conn = self._conn()
        conn.execute("BEGIN")
        try:
            yield Tx(conn)
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
