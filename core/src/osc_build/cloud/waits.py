"""Waiting on cloud resources: fail fast on error states, time out, stay interruptible."""

from __future__ import annotations

from collections.abc import Callable, Collection

from osc_build.client import wait_for
from osc_build.context import BuildContext

# How long each kind of wait may take before the build fails (seconds).
TIMEOUTS = {"vm": 15 * 60, "image": 60 * 60, "snapshot": 60 * 60, "volume": 15 * 60}


def wait(ctx: BuildContext, read_state: Callable[[], str | None], *, wanted: Collection[str],
         failed: Collection[str] = (), kind: str, describe: str,
         on_progress: Callable[[str | None, float], None] | None = None) -> str:
    """Wait for ``wanted``; Ctrl-C or a cancelled build stops the wait at once."""

    def sleep(seconds: float) -> None:
        ctx.cancelled.wait(seconds)
        ctx.check_cancelled()

    return wait_for(read_state, wanted=wanted, failed=failed, timeout=TIMEOUTS[kind],
                    describe=describe, on_progress=on_progress, sleep=sleep)


def read_one(items: list[dict], key: str = "State") -> str | None:
    """The state of the only item of a Read* answer, or None while it is not visible."""
    return items[0].get(key) if items else None
