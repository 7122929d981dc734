"""Every wait of a build, cleanup included: one module, one cleanup timeout.

Build waits (:func:`wait`) fail fast on error states, time out per kind and stop
at once on Ctrl-C. Cleanup waits (:func:`wait_cleanup`) run after a failure or an
interrupt, so they ignore cancellation, share :data:`CLEANUP_TIMEOUT`, and count a
resource that vanished as gone. Local waits (:func:`poll_until`) poll a condition
on this machine.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection

from osc_build.context import BuildContext
from osc_build.errors import ConfigError
from osc_build_outscale.client.waiters import wait_for
from osc_build_outscale.cloud.schedule import PACE, expected_seconds
from osc_build_outscale.errors import CloudError

# How long each kind of wait may take before the build fails (seconds).
TIMEOUTS = {"vm": 15 * 60, "image": 60 * 60, "snapshot": 60 * 60, "volume": 15 * 60}
# How long one wait of the cleanup may take (seconds), whatever it waits for.
CLEANUP_TIMEOUT = 10 * 60
# Overrides every timeout in TIMEOUTS (seconds): a VM that never boots fails in CI, not in 15 min.
TIMEOUT_VARIABLE = "OSC_BUILD_WAIT_TIMEOUT"
PROGRESS_EVERY = 30.0  # seconds between "still waiting" lines
# The state a cleanup wait sees once the resource is no longer listed.
GONE = "gone"
# The OAPI error type of a call on a resource that does not exist (any more).
NOT_FOUND_TYPE = "InvalidResource"


def wait(ctx: BuildContext, read_state: Callable[[], str | None], *, wanted: Collection[str],
         failed: Collection[str] = (), kind: str, describe: str,
         on_progress: Callable[[str | None, float], None] | None = None,
         expected: float | None = None) -> str:
    """Wait for ``wanted``; Ctrl-C or a cancelled build stops the wait at once.

    ``read_state`` returns None while the resource (or its change) is not visible
    yet: reads may lag writes, so the wait goes on. ``expected`` (seconds) shapes
    the poll schedule; by default the usual duration of this kind of transition.
    """
    usual = expected_seconds(kind, wanted) if expected is None else expected
    polls = 0

    def read() -> str | None:
        nonlocal polls
        polls += 1
        return read_state()

    started = time.monotonic()
    state = wait_for(read, wanted=wanted, failed=failed, timeout=wait_timeout(kind),
                     describe=describe, on_progress=on_progress or _reporter(ctx, describe),
                     schedule=PACE.schedule(usual), sleep=_interruptible_sleep(ctx))
    if polls > 1:  # we saw the change happen: it tells how fast this cloud is
        PACE.record(usual, time.monotonic() - started)
    return state


def wait_cleanup(read_state: Callable[[], str | None], *, wanted: Collection[str],
                 failed: Collection[str] = (), kind: str, describe: str,
                 sleep: Callable[[float], None] = time.sleep) -> str:
    """Wait during cleanup for ``wanted`` or :data:`GONE`, and return the state reached.

    A resource that is no longer listed (``read_state`` returns None) or whose
    read answers InvalidResource was deleted meanwhile (with its VM, or by its
    own deletion): that is :data:`GONE`, not a reason to wait until the timeout.
    """
    def read() -> str:
        try:
            return read_state() or GONE
        except CloudError as err:
            if is_not_found(err):
                return GONE
            raise

    return wait_for(read, wanted={*wanted, GONE}, failed=failed, timeout=CLEANUP_TIMEOUT,
                    describe=describe, schedule=PACE.schedule(expected_seconds(kind, wanted)),
                    sleep=sleep)


def poll_until(ctx: BuildContext, done: Callable[[], bool], *, timeout: float,
               every: float) -> bool:
    """Check ``done`` every ``every`` seconds until it is true (True) or ``timeout`` (False).

    For what changes on this machine, not in the cloud (device nodes): a fixed,
    short poll. Ctrl-C or a cancelled build stops it at once.
    """
    sleep = _interruptible_sleep(ctx)
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        sleep(every)
    return True


def is_not_found(err: CloudError) -> bool:
    """Whether an API error says the resource does not exist (any more)."""
    return err.type == NOT_FOUND_TYPE


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


def _interruptible_sleep(ctx: BuildContext) -> Callable[[float], None]:
    def sleep(seconds: float) -> None:
        ctx.cancelled.wait(seconds)
        ctx.check_cancelled()

    return sleep


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
