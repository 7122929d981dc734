"""Wait for a resource to reach a state, polling on a schedule.

Resources the builders wait for (VMs booting, images and snapshots being made)
are rarely ready in the first seconds and become likely to be ready as time
passes, so the default schedule polls rarely first and more often later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any, Protocol

from osc_build_outscale.errors import WaitFailed, WaitTimeout

log = logging.getLogger(__name__)


class _Caller(Protocol):
    def call(self, operation: str, **params: Any) -> dict[str, Any]: ...


def state_reader(client: _Caller, operation: str, key: str, filters: dict[str, Any], *,
                 field: str = "State") -> Callable[[], str | None]:
    """A ``read_state`` for :func:`wait_for`: the ``field`` of the one resource found.

    ``state_reader(client, "ReadVms", "Vms", {"VmIds": [vm_id]})`` reads the VM's
    state; None while the API does not list the resource yet.
    """
    def read() -> str | None:
        found = client.call(operation, Filters=filters).get(key) or []
        return str(found[0].get(field)) if found and found[0].get(field) is not None else None

    return read


def decreasing_schedule(first: float = 10.0, floor: float = 2.0,
                        factor: float = 0.7) -> Iterator[float]:
    """Delays between polls: ``first`` (the cap), shrinking by ``factor`` to ``floor``."""
    if not 0 < floor <= first or not 0 < factor <= 1:
        raise ValueError("need 0 < floor <= first and 0 < factor <= 1")
    delay = first
    while True:
        yield max(delay, floor)
        delay *= factor


def wait_for(read_state: Callable[[], str | None], *, wanted: Collection[str],
             failed: Collection[str] = (), timeout: float, describe: str,
             on_progress: Callable[[str | None, float], None] | None = None,
             schedule: Iterable[float] | None = None,
             clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> str:
    """Poll ``read_state`` until it returns a ``wanted`` state and return that state.

    ``read_state`` may return None while the resource is not visible yet.
    Raises :class:`WaitFailed` at once on a ``failed`` state and
    :class:`WaitTimeout` after ``timeout`` seconds. ``on_progress(state,
    elapsed)`` is called after every poll.
    """
    start = clock()
    deadline = start + timeout
    delays = iter(schedule if schedule is not None else decreasing_schedule())
    wanted_text = " or ".join(repr(state) for state in sorted(wanted))
    last: str | None = None
    polls = 0
    while True:
        state = read_state()
        polls += 1
        elapsed = clock() - start
        if on_progress is not None:
            on_progress(state, elapsed)
        if polls == 1 or state != last:
            log.debug("%s: state %s after %.0fs", describe, state, elapsed)
            last = state
        if state is not None and state in wanted:
            return state
        if state is not None and state in failed:
            raise WaitFailed(
                f"{describe} reached state {state!r} while waiting for {wanted_text}; "
                "check the resource in the console or its logs", type="WaitFailed",
                details=state)
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeout(
                f"{describe} still in state {state!r} after {elapsed:.0f}s, waiting for "
                f"{wanted_text}; raise the timeout or check the resource", type="WaitTimeout",
                details=str(state))
        sleep(min(next(delays), remaining))
