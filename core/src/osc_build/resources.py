"""The resource undo log: every temporary cloud resource, deleted in reverse.

A step records a resource the moment the API returns its id, before waiting on
anything, so that a failure or an interrupt at any later point deletes it. On
failure the log unwinds last-in first-out, keeps going past deletes that fail,
reports what it could not delete, and never replaces the build's own error.

A second Ctrl-C during cleanup asks before abandoning it. Builds that run in
threads cannot receive the signal: the main thread asks once for all of them and
calls :meth:`ResourceLog.abandon`, which each unwind obeys between two deletes.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from osc_build.errors import error_text

log = logging.getLogger(__name__)


@dataclass
class TrackedResource:
    kind: str  # "vm", "keypair", "security group", ...
    id: str
    delete: Callable[[], object] = field(repr=False)
    keep_on_success: bool = False  # the artifact itself (OMI, snapshots, kept volumes)
    region: str = ""
    # Called when a success keeps it: e.g. drop the cloud's "temporary" mark, so that
    # tools that find leftovers of dead builds never take an artifact for one.
    on_keep: Callable[[], object] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Leak:
    """A resource that could not be deleted, and why."""

    kind: str
    id: str
    reason: str
    region: str = ""

    def __str__(self) -> str:
        where = f" in {self.region}" if self.region else ""
        return f"{self.kind} {self.id}{where}: {self.reason}"


class ResourceLog:
    """An undo log of created resources (thread-safe: steps may run in threads)."""

    def __init__(self) -> None:
        self._entries: list[TrackedResource] = []
        self._lock = threading.Lock()
        self.leaked: list[Leak] = []
        self.deleted: list[TrackedResource] = []
        self._todo: list[TrackedResource] = []  # what the running unwind has still to delete
        self._abandoned = threading.Event()
        self.journal = None  # an osc_build.journal.Journal: each id, written at once

    def track(self, kind: str, resource_id: str, delete: Callable[[], object], *,
              keep_on_success: bool = False, region: str = "",
              on_keep: Callable[[], object] | None = None) -> TrackedResource:
        """Record a created resource, how to delete it, and what to do if it is kept."""
        entry = TrackedResource(kind, resource_id, delete, keep_on_success, region, on_keep)
        with self._lock:
            self._entries.append(entry)
        if self.journal is not None:
            self.journal.add(kind, resource_id, region)
        log.debug("tracking %s %s", kind, resource_id)
        return entry

    def intend(self, kind: str, *, region: str = "", **keys: object) -> None:
        """Before a create call: write to the journal how to find what it makes (a
        ClientToken, a name), should the build die before the call answers."""
        if self.journal is not None:
            self.journal.intend(kind, region, **keys)

    def forget(self, resource_id: str) -> None:
        """Stop tracking a resource a step deleted (or handed over) itself."""
        with self._lock:
            self._entries = [e for e in self._entries if e.id != resource_id]

    def keep(self, resource_id: str) -> None:
        """Mark a tracked resource as part of the artifact: kept when the build succeeds."""
        with self._lock:
            for entry in self._entries:
                if entry.id == resource_id:
                    entry.keep_on_success = True

    @property
    def pending(self) -> list[TrackedResource]:
        """What is tracked now, oldest first."""
        with self._lock:
            return list(self._entries)

    @property
    def remaining(self) -> list[TrackedResource]:
        """What is not deleted yet: the running unwind's list (first: under way), then the rest."""
        with self._lock:
            return [*self._todo, *reversed(self._entries)]

    def abandon(self) -> None:
        """Stop unwinding before the next delete (the user abandoned cleanup)."""
        self._abandoned.set()

    @property
    def under_way(self) -> TrackedResource | None:
        """The resource the running unwind is deleting now, if any."""
        with self._lock:
            return self._todo[0] if self._todo else None

    def mark(self) -> list[TrackedResource]:
        """What is tracked now: :meth:`undo_since` undoes what is tracked after it."""
        return self.pending

    def since(self, mark: list[TrackedResource]) -> list[TrackedResource]:
        """What was tracked after ``mark``, oldest first."""
        known = {id(entry) for entry in mark}
        with self._lock:
            return [e for e in self._entries if id(e) not in known]

    def undo_since(self, mark: list[TrackedResource]) -> list[Leak]:
        """Delete what was tracked after ``mark``, newest first (a step about to be retried)."""
        known = {id(entry) for entry in mark}
        with self._lock:
            newer = [e for e in self._entries if id(e) not in known]
            self._entries = [e for e in self._entries if id(e) in known]
        return self._delete(newer[::-1])

    def unwind(self, *, succeeded: bool) -> list[Leak]:
        """Delete tracked resources, newest first; artifacts survive a success.

        Each failed delete is logged and recorded in :attr:`leaked`; unwinding
        always continues. Returns the leaks of this call.
        """
        with self._lock:
            entries, self._entries = self._entries, []
        kept = [e for e in entries if succeeded and e.keep_on_success]
        for entry in kept:
            _mark_kept(entry)
        return self._delete([e for e in reversed(entries) if e not in kept])

    def _delete(self, todo: list[TrackedResource]) -> list[Leak]:
        leaks: list[Leak] = []
        with self._lock:
            self._todo = todo
        try:
            while todo:
                entry = todo[0]
                try:
                    if self._abandoned.is_set():
                        raise KeyboardInterrupt
                    entry.delete()
                except KeyboardInterrupt:
                    if not self._abandoned.is_set() and not ask_abandon(names(todo)):
                        continue  # the user chose to finish cleaning: try this one again
                    # Cleanup abandoned by the user: say exactly what is left behind.
                    leaks.extend(Leak(e.kind, e.id, "cleanup interrupted", e.region)
                                 for e in todo)
                    raise
                except Exception as err:
                    reason = error_text(err, first_line=True)
                    leak = Leak(entry.kind, entry.id, reason, entry.region)
                    leaks.append(leak)
                    log.error("could not delete %s; delete it by hand", leak)
                else:
                    self.deleted.append(entry)
                    log.info("deleted %s %s", entry.kind, entry.id)
                with self._lock:
                    todo.pop(0)
        finally:
            with self._lock:
                self._todo = []
            self.leaked.extend(leaks)
        return leaks


def _mark_kept(entry: TrackedResource) -> None:
    if entry.on_keep is None:
        return
    try:
        entry.on_keep()
    except Exception as err:
        log.error("could not mark %s %s as kept: %s", entry.kind, entry.id,
                  error_text(err, first_line=True))


_ASKING = threading.Lock()


def names(entries: list[TrackedResource]) -> str:
    """``VM i-1, keypair kp-1``: what a question or a message lists."""
    return ", ".join(f"{e.kind} {e.id}" for e in entries)


def ask_abandon(still_to_delete: str) -> bool:
    """Ask once whether to leave ``still_to_delete`` behind; without a terminal, yes."""
    if not sys.stdin or not sys.stdin.isatty():
        return True
    with _ASKING:
        sys.stderr.write(f"\nCleanup is not finished; still to delete: {still_to_delete}.\n"
                         "Abandon cleanup and leave them behind? [y/N] ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline()
        except KeyboardInterrupt:  # a third Ctrl-C: the user insists
            return True
        return answer.strip().lower().startswith("y")
