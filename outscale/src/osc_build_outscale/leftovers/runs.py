"""Group leftovers by run, and tell a dead run from one still in progress.

A run is in progress when its process is alive on this machine (host and pid
tags), or, on another machine (whose processes we cannot see), when its last
sign of life is younger than the heartbeat timeout (``--heartbeat-timeout``,
``HEARTBEAT_TIMEOUT`` by default): the newest ``osc-build:heartbeat`` a running
build refreshes every minute (``osc_build_outscale.cloud.heartbeat``), or the
newest creation time before its first beat. Such runs are only touched when named.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.leftovers.find import Leftover

# Ten missed beats (one a minute): a run elsewhere silent that long is dead.
HEARTBEAT_TIMEOUT = timedelta(minutes=10)


@dataclass
class Run:
    run_id: str
    resources: list[Leftover] = field(default_factory=list)

    def tag(self, key: str) -> str:
        return next((r.tags[key] for r in self.resources if r.tags.get(key)), "")

    @property
    def started(self) -> datetime | None:
        times = [r.created for r in self.resources if r.created]
        return min(times) if times else None

    @property
    def last_alive(self) -> datetime | None:
        """Its newest heartbeat or creation time: the last time it was known alive."""
        times = [t for r in self.resources for t in (r.created, r.heartbeat) if t]
        return max(times) if times else None

    def age(self, now: datetime) -> timedelta | None:
        return now - self.started if self.started else None

    def in_progress(self, now: datetime, timeout: timedelta = HEARTBEAT_TIMEOUT) -> bool:
        host, pid = self.tag(tagging.HOST_TAG), self.tag(tagging.PID_TAG)
        if host == socket.gethostname() and pid.isdigit():
            return process_alive(int(pid))
        last = self.last_alive
        return last is not None and now - last < timeout


def group(leftovers: list[Leftover]) -> list[Run]:
    """Runs, oldest first."""
    runs: dict[str, Run] = {}
    for item in leftovers:
        runs.setdefault(item.run_id, Run(item.run_id)).resources.append(item)
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(runs.values(), key=lambda run: (run.started or far, run.run_id))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
