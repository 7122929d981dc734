"""Waiting on cloud resources: fail fast on error states, time out, stay interruptible."""

from __future__ import annotations

from collections.abc import Callable, Collection

from osc_build.client import wait_for
from osc_build.context import BuildContext

# How long each kind of wait may take before the build fails (seconds).
TIMEOUTS = {"vm": 15 * 60, "image": 60 * 60, "snapshot": 60 * 60, "volume": 15 * 60}
PROGRESS_EVERY = 30.0  # seconds between "still waiting" lines


def growing_schedule(first: float = 1.0, factor: float = 1.5, cap: float = 10.0):
    """Poll soon (short transitions are seen at once), then less and less often."""
    delay = first
    while True:
        yield delay
        delay = min(delay * factor, cap)


def wait(ctx: BuildContext, read_state: Callable[[], str | None], *, wanted: Collection[str],
         failed: Collection[str] = (), kind: str, describe: str,
         on_progress: Callable[[str | None, float], None] | None = None) -> str:
    """Wait for ``wanted``; Ctrl-C or a cancelled build stops the wait at once."""

    def sleep(seconds: float) -> None:
        ctx.cancelled.wait(seconds)
        ctx.check_cancelled()

    return wait_for(read_state, wanted=wanted, failed=failed, timeout=TIMEOUTS[kind],
                    describe=describe, on_progress=on_progress or _reporter(ctx, describe),
                    schedule=growing_schedule(), sleep=sleep)


def _reporter(ctx: BuildContext, describe: str) -> Callable[[str | None, float], None]:
    """Say when the state changes, and that we still wait every PROGRESS_EVERY seconds."""
    seen: dict[str, object] = {"state": None, "said_at": 0.0}

    def report(state: str | None, elapsed: float) -> None:
        if state != seen["state"] and elapsed > 0:
            ctx.ui.message(f"{describe}: {state or 'not visible yet'} ({elapsed:.0f}s)")
        elif elapsed - float(seen["said_at"]) >= PROGRESS_EVERY:
            ctx.ui.message(f"{describe}: still {state} after {elapsed:.0f}s")
        else:
            return
        seen.update(state=state, said_at=elapsed)

    return report


def read_one(items: list[dict], key: str = "State") -> str | None:
    """The state of the only item of a Read* answer, or None while it is not visible."""
    return items[0].get(key) if items else None
