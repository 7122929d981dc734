"""wait_for with a fake clock: wanted, failed, timeout, progress and schedule."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pytest

from osc_build_outscale.client.waiters import decreasing_schedule, wait_for
from osc_build_outscale.errors import CloudError, WaitFailed, WaitTimeout


class FakeClock:
    """Monotonic time that only moves when the waiter sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def states(*values: str | None) -> Iterable[str | None]:
    return iter(values)


def test_returns_once_the_wanted_state_is_reached() -> None:
    clock = FakeClock()
    sequence = states(None, "pending", "pending", "running")
    progress: list[tuple[str | None, float]] = []
    final = wait_for(lambda: next(sequence), wanted={"running"}, failed={"terminated"},
                     timeout=300, describe="vm i-1",
                     on_progress=lambda state, elapsed: progress.append((state, elapsed)),
                     schedule=[5, 3, 2], clock=clock, sleep=clock.sleep)
    assert final == "running"
    assert clock.sleeps == [5, 3, 2]
    assert progress == [(None, 0), ("pending", 5), ("pending", 8), ("running", 10)]


def test_fails_fast_on_an_error_state() -> None:
    clock = FakeClock()
    sequence = states("pending", "error")
    with pytest.raises(WaitFailed) as caught:
        wait_for(lambda: next(sequence), wanted={"available"}, failed={"error", "failed"},
                 timeout=600, describe="image ami-1", schedule=itertools.repeat(4.0),
                 clock=clock, sleep=clock.sleep)
    assert isinstance(caught.value, CloudError)
    assert str(caught.value).startswith(
        "image ami-1 reached state 'error' while waiting for 'available'")
    assert clock.sleeps == [4.0]


def test_times_out_without_sleeping_past_the_deadline() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        wait_for(lambda: "pending", wanted={"completed"}, timeout=25, describe="snapshot snap-1",
                 schedule=itertools.repeat(10.0), clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [10.0, 10.0, 5.0]
    assert str(caught.value) == ("snapshot snap-1 still in state 'pending' after 25s, waiting "
                                 "for 'completed'; raise the timeout or check the resource")


def test_default_schedule_polls_rarely_first_then_more_often_down_to_a_floor() -> None:
    delays = list(itertools.islice(decreasing_schedule(first=10, floor=2, factor=0.5), 5))
    assert delays == [10, 5, 2.5, 2, 2]
    with pytest.raises(ValueError):
        next(decreasing_schedule(first=1, floor=2))


def test_default_schedule_is_used_when_none_is_given() -> None:
    clock = FakeClock()
    sequence = states("pending", "pending", "pending", "available")
    wait_for(lambda: next(sequence), wanted={"available"}, timeout=100, describe="x",
             clock=clock, sleep=clock.sleep)
    assert clock.sleeps == list(itertools.islice(decreasing_schedule(), 3))
    assert clock.sleeps[0] > clock.sleeps[-1]
