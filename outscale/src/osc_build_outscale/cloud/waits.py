"""Waiting on cloud resources: fail fast on error states, time out, stay interruptible."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection

from osc_build.context import BuildContext
from osc_build.errors import ConfigError
from osc_build_outscale.client import wait_for
from osc_build_outscale.cloud.schedule import PACE, expected_seconds

# How long each kind of wait may take before the build fails (seconds).
TIMEOUTS = {"vm": 15 * 60, "image": 60 * 60, "snapshot": 60 * 60, "volume": 15 * 60}
# Overrides every timeout above (seconds): a VM that never boots fails in CI, not in 15 min.
TIMEOUT_VARIABLE = "OSC_BUILD_WAIT_TIMEOUT"
PROGRESS_EVERY = 30.0  # seconds between "still waiting" lines


def wait(ctx: BuildContext, read_state: Callable[[], str | None], *, wanted: Collection[str],
         failed: Collection[str] = (), kind: str, describe: str,
         on_progress: Callable[[str | None, float], None] | None = None,
         expected: float | None = None) -> str:
    """Wait for ``wanted``; Ctrl-C or a cancelled build stops the wait at once.

    ``expected`` (seconds) shapes the poll schedule; by default the usual
    duration of this kind of transition.
    """

    def sleep(seconds: float) -> None:
        ctx.cancelled.wait(seconds)
        ctx.check_cancelled()

    usual = expected_seconds(kind, wanted) if expected is None else expected
    polls = 0

    def read() -> str | None:
        nonlocal polls
        polls += 1
        return read_state()

    started = time.monotonic()
    state = wait_for(read, wanted=wanted, failed=failed, timeout=wait_timeout(kind),
                     describe=describe, on_progress=on_progress or _reporter(ctx, describe),
                     schedule=PACE.schedule(usual), sleep=sleep)
    if polls > 1:  # we saw the change happen: it tells how fast this cloud is
        PACE.record(usual, time.monotonic() - started)
    return state


def wait_timeout(kind: str) -> float:
    """The timeout of a wait on ``kind``: ``OSC_BUILD_WAIT_TIMEOUT`` when set."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return TIMEOUTS[kind]
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ConfigError(f"{TIMEOUT_VARIABLE}={raw!r}: expected a positive number of seconds, "
                          f"e.g. {TIMEOUT_VARIABLE}=600; unset it for the defaults")
    return seconds


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
