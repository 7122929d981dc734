"""The poll schedule of cloud waits: rare early, frequent near the usual completion time."""

from __future__ import annotations

import itertools

import pytest

from osc_build_outscale.cloud.schedule import Pace, expected_schedule, expected_seconds


def poll_times(expected: float, count: int = 60) -> list[float]:
    """When the polls happen: at 0 (the first read), then after each delay."""
    return list(itertools.accumulate(itertools.islice(expected_schedule(expected), count),
                                     initial=0.0))


def seen_at(expected: float, reached: float) -> tuple[int, float]:
    """(polls made, detection latency) for a resource reaching its state at ``reached``."""
    times = poll_times(expected, 200)
    index = next(i for i, moment in enumerate(times) if moment >= reached)
    return index + 1, times[index] - reached


def fixed_two_seconds(reached: float) -> tuple[int, float]:
    polls = int(-(-reached // 2))  # the first poll at or after `reached`
    return polls + 1, polls * 2 - reached


def test_a_bsu_build_s_waits_take_at_most_half_the_polls_of_a_fixed_poll():
    waits = [35.0, 20.0, 30.0, 15.0]  # boot, stop, OMI, terminate, each on time
    ours = [seen_at(expected, expected) for expected in waits]
    fixed = [fixed_two_seconds(expected) for expected in waits]
    assert sum(polls for polls, _ in ours) <= sum(polls for polls, _ in fixed) / 2
    assert all(latency <= 1.5 for _, latency in ours)


def test_mean_detection_latency_near_the_expected_time_beats_a_fixed_poll():
    moments = [35 * 0.9 + step * 0.05 for step in range(int(35 * 0.3 / 0.05))]
    ours = sum(seen_at(35.0, moment)[1] for moment in moments) / len(moments)
    fixed = sum(fixed_two_seconds(moment)[1] for moment in moments) / len(moments)
    assert ours < fixed


def test_fast_transitions_are_seen_within_half_a_second():
    assert poll_times(35.0)[:3] == [0.0, 0.5, 3.0]
    assert seen_at(35.0, 0.4) == (2, pytest.approx(0.1))


def test_late_transitions_back_off_to_the_cap():
    delays = list(itertools.islice(expected_schedule(20.0), 40))
    assert delays[-1] == 10.0
    assert delays == sorted(delays[:2]) + delays[2:]  # early polls grow
    assert all(delay <= 10.0 for delay in delays[3:])


def test_short_transitions_skip_the_early_polls_that_would_come_too_late():
    assert poll_times(3.0, 4) == pytest.approx([0.0, 0.5, 2.7, 4.2, 6.45])


def test_expected_seconds_by_kind_and_state():
    assert expected_seconds("vm", {"running"}) == 35.0
    assert expected_seconds("vm", {"stopped"}) == 20.0
    assert expected_seconds("image", {"available"}) == 30.0
    assert expected_seconds("volume", {"in-use", "attached"}) == 3.0
    assert expected_seconds("net", {"available"}) == 10.0  # unknown: a middle guess


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="near"):
        next(expected_schedule(10.0, near=0))


def test_until_a_wait_has_shown_the_pace_early_polls_are_kept():
    pace = Pace()
    assert list(itertools.islice(pace.schedule(35.0), 3)) == [0.5, 2.5, pytest.approx(28.5)]


def test_a_cloud_on_time_skips_early_polls_for_the_next_waits():
    pace = Pace()
    pace.record(35.0, 35.8)
    assert next(pace.schedule(20.0)) == pytest.approx(0.9 * 20 * 35.8 / 35)


def test_a_fast_cloud_or_simulator_scales_the_next_waits_down():
    pace = Pace()
    pace.record(35.0, 0.35)  # a simulator boots in a third of a second
    delays = list(itertools.islice(pace.schedule(20.0), 2))
    assert delays[0] == pytest.approx(0.18)
    assert sum(delays) < 2


def test_pace_is_the_median_of_recent_waits_and_bounded():
    pace = Pace(keep=3)
    for took in (10.0, 1000.0, 0.0, 20.0, 30.0):
        pace.record(10.0, took)
    assert pace.ratio() == 2.0  # median of 0.01, 2.0, 3.0
    pace.record(10.0, 10_000.0)
    assert pace.ratio() == 3.0  # 4.0 at most: one stuck wait cannot slow every later poll


def test_pace_of_an_even_number_of_waits_is_the_middle_of_the_two():
    pace = Pace()
    pace.record(10.0, 10.0)
    pace.record(10.0, 20.0)
    assert pace.ratio() == 1.5
