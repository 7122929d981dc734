"""A build's journal on this machine: each tracked resource, written before anything else.

Tags mark a cloud resource as a build's temporary one, but tagging is one more
API call after the create: a build killed between the two (SIGKILL, a lost
machine) leaves a resource without tags. The undo log writes the id here the
moment it is tracked (a local append, no network), and the journal is removed
when the build ends; a journal left behind is a dead build's, and tools that
find leftovers (``osc-build leftovers``) read it. Core knows no cloud: only
kind, id and Region are written.

A kill can also land while a create call is on the wire: the cloud made the
resource, the build never learnt its id. So before such a call the build
writes an *intent*: what it is about to create and how to recognise it later
(a ClientToken the call carries, or the name and sources of an OMI).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


def journal_dir() -> Path:
    from osc_build.cache import cache_dir

    return cache_dir() / "runs"


class Journal:
    """Append-only lines: a header (run, builder, build, host, pid), then one per resource."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    @classmethod
    def start(cls, run_id: str, builder: str, build: str) -> Journal | None:
        """A new journal, or None if it cannot be written (the build goes on without)."""
        try:
            directory = journal_dir()
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            journal = cls(directory / f"{run_id}.jsonl")
            journal._write({"run_id": run_id, "builder": builder, "build": build,
                            "host": socket.gethostname(), "pid": os.getpid()})
            return journal
        except OSError as err:
            log.debug("no build journal: %s", err)
            return None

    def add(self, kind: str, resource_id: str, region: str) -> None:
        try:
            self._write({"kind": kind, "id": resource_id, "region": region})
        except OSError as err:
            log.debug("build journal: %s", err)

    def intend(self, kind: str, region: str, **keys) -> None:
        """About to create a ``kind``: ``keys`` say how to find it if its id never comes back."""
        try:
            self._write({"intent": kind, "region": region, **keys})
        except OSError as err:
            log.debug("build journal: %s", err)

    def close(self) -> None:
        """The build ended: its resources are deleted, kept, or reported (and tagged)."""
        self.path.unlink(missing_ok=True)

    def _write(self, doc: dict) -> None:
        with self._lock, self.path.open("a") as out:
            out.write(json.dumps(doc) + "\n")
            out.flush()


@dataclass
class JournalEntry:
    run_id: str
    builder: str
    build: str
    host: str
    pid: int
    resources: list[dict]  # {"kind", "id", "region"}
    path: Path
    intents: list[dict] = field(default_factory=list)  # {"intent": kind, "region", ...}
    last: dict = field(default_factory=dict)  # the last line: what the build did last


def left_behind() -> Iterator[JournalEntry]:
    """The journals of builds that did not end (dead, or still running): read, not removed."""
    directory = journal_dir()
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.jsonl")):
        try:
            if path.stat().st_uid != os.getuid():
                continue  # not ours: never trusted
            lines = [json.loads(line) for line in path.read_text().splitlines() if line]
            head = lines[0]
            yield JournalEntry(head["run_id"], head.get("builder", ""), head.get("build", ""),
                               head.get("host", ""), int(head.get("pid", 0)),
                               [line for line in lines[1:] if "intent" not in line], path,
                               [line for line in lines[1:] if "intent" in line], lines[-1])
        except (OSError, ValueError, KeyError, IndexError) as err:
            log.debug("unreadable build journal %s: %s", path, err)
