"""Read-after-write lag: API reads that see the state as it was before recent writes.

OUTSCALE's API is eventually consistent: right after LinkVolume, ReadVolumes may
still show the volume unlinked. When a lag is on (``timings.read_lag``, ``serve
--read-lag MS``, or a fault rule ``{"kind": "lag", "ms": N}``), every write
remembers, per resource, the document it replaced and until when that write stays
invisible; a lagged read shows, for each resource, the document from before its
earliest write still in its window.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """One resource's document before a write, hidden from reads until ``visible_at``."""

    ident: str
    kind: str
    region: str
    before: dict | None  # None: the write created it
    visible_at: float  # time.monotonic()


class History:
    """Recent writes still inside their lag window (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changes: dict[str, list[Change]] = {}

    def record(self, changes: list[Change]) -> None:
        with self._lock:
            self._prune(time.monotonic())
            for change in changes:
                self._changes.setdefault(change.ident, []).append(change)

    def _prune(self, now: float) -> None:
        for ident in [i for i, cs in self._changes.items() if all(c.visible_at <= now
                                                                  for c in cs)]:
            del self._changes[ident]

    def hidden(self) -> dict[str, Change]:
        """Per resource id, its earliest write not yet visible (what reads must undo)."""
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            out = {}
            for ident, changes in self._changes.items():
                # The state before the first write still hidden; later ones are hidden too.
                for change in changes:
                    if change.visible_at > now:
                        out[ident] = change
                        break
            return out


class LaggedTx:
    """A read transaction showing the state before the writes still hidden."""

    def __init__(self, tx, hidden: dict[str, Change]) -> None:
        self._tx = tx
        self._hidden = hidden

    def get(self, kind: str, ident: str) -> dict | None:
        change = self._hidden.get(ident)
        if change is None:
            return self._tx.get(kind, ident)
        before = change.before
        return json.loads(json.dumps(before)) if before and before["_kind"] == kind else None

    def list(self, kind: str, region: str | None = None) -> list[dict]:
        docs = [d for d in self._tx.list(kind, region) if d["_id"] not in self._hidden]
        for change in self._hidden.values():
            before = change.before
            if before and before["_kind"] == kind and region in (None, before["_region"]):
                docs.append(json.loads(json.dumps(before)))
        return docs

    def __getattr__(self, name: str):
        return getattr(self._tx, name)
