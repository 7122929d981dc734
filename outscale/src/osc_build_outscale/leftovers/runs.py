"""Group leftovers by run, and tell a dead run from one still in progress.

A run is in progress when its process is alive on this machine (host and pid
tags), or, started elsewhere, when its newest resource is younger than
``FRESH``: we cannot see another machine's processes, so a recent run there is
given the benefit of the doubt. Such runs are only touched when named.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.leftovers.find import Leftover

FRESH = timedelta(hours=3)  # longer than a build: a younger run elsewhere may be alive


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
    def newest(self) -> datetime | None:
        times = [r.created for r in self.resources if r.created]
        return max(times) if times else None

    def age(self, now: datetime) -> timedelta | None:
        return now - self.started if self.started else None

    def in_progress(self, now: datetime) -> bool:
        host, pid = self.tag(tagging.HOST_TAG), self.tag(tagging.PID_TAG)
        if host == socket.gethostname() and pid.isdigit():
            return process_alive(int(pid))
        newest = self.newest
        return newest is not None and now - newest < FRESH


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
