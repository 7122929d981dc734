"""A running build refreshes ``osc-build:heartbeat`` on its temporary resources.

``osc-build leftovers`` on another machine cannot see whether a build's process
is alive; a heartbeat fresher than its threshold (10 minutes by default) says it
is. The cost is one CreateTags call per Region per interval (60 s by default)
for the whole run, on resources the build already tracks and marked: nothing
is read, and a beat that fails is skipped (the next one comes soon). Artifacts
(kept on success) are never beaten on, so a kept OMI never gets the tag after
its marks were dropped.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from osc_build.context import BuildContext
from osc_build.errors import ConfigError
from osc_build_outscale.client import OscClient

log = logging.getLogger(__name__)

Beat = Callable[[OscClient, list[str]], None]  # refreshes the tag on these ids (tags.py's)

INTERVAL = 60.0  # seconds between two beats
INTERVAL_VARIABLE = "OSC_BUILD_HEARTBEAT_INTERVAL"  # overrides INTERVAL (tests: 0.5)

_beats: dict[str, Heartbeat] = {}  # run id -> its heartbeat, while it has something to beat on
_lock = threading.Lock()


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def interval() -> float:
    raw = os.environ.get(INTERVAL_VARIABLE, "").strip()
    if not raw:
        return INTERVAL
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ConfigError(f"{INTERVAL_VARIABLE}={raw!r}: expected a positive number of "
                          f"seconds, e.g. {INTERVAL_VARIABLE}=60; unset it for the default")
    return seconds


def beat_on(ctx: BuildContext, client: OscClient, resource_ids: list[str], beat: Beat) -> None:
    """Keep the heartbeat of ``ctx``'s run fresh on these (just marked) resources."""
    with _lock:
        heartbeat = _beats.get(ctx.run_id)
        if heartbeat is None:
            heartbeat = _beats[ctx.run_id] = Heartbeat(ctx, interval(), beat)
        heartbeat.add(client, resource_ids)


class Heartbeat:
    """One daemon thread per run; it ends once the run tracks nothing it could beat on."""

    def __init__(self, ctx: BuildContext, every: float, beat: Beat) -> None:
        self.ctx = ctx
        self.every = every
        self._beat = beat
        self.ids: dict[str, tuple[OscClient, set[str]]] = {}  # Region -> client, ids
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{ctx.run_id}",
                                       daemon=True)
        self.thread.start()

    def add(self, client: OscClient, resource_ids: list[str]) -> None:
        _client, ids = self.ids.setdefault(client.region, (client, set()))
        ids.update(resource_ids)

    def _run(self) -> None:
        while not self.ctx.cancelled.wait(self.every):
            with _lock:
                live = self.targets()
                if not live:  # the build is over (or between two retries): stop
                    _beats.pop(self.ctx.run_id, None)
                    return
            for client, ids in live:
                self.beat(client, ids)

    def targets(self) -> list[tuple[OscClient, list[str]]]:
        """Per Region, the marked ids still tracked as temporary (never an artifact)."""
        tracked = {e.id for e in self.ctx.resources.pending if not e.keep_on_success}
        return [(client, sorted(ids & tracked)) for client, ids in self.ids.values()
                if ids & tracked]

    def beat(self, client: OscClient, ids: list[str]) -> None:
        try:
            self._beat(client, ids)
        except Exception as err:  # one lost beat is harmless: the next one comes soon
            log.debug("heartbeat on %s skipped: %s", ", ".join(ids), err)
