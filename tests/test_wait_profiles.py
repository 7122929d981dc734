"""The simulator's timing profiles against the waits of osc-build.

Each simulated transition is something osc-build waits for; this ties the two
packages together: a profile whose transition would not finish well within the
timeout osc-build allows for it makes builds against the simulator flaky, and
the "realistic" profile must be the usual durations osc-build's poll schedule
aims at (:data:`~osc_build_outscale.cloud.schedule.EXPECTED`).
"""

from __future__ import annotations

import pytest

from osc_build_outscale.cloud.schedule import EXPECTED
from osc_build_outscale.cloud.waits import CLEANUP_TIMEOUT, TIMEOUTS
from osc_build_sim.profiles import PROFILES, TRANSITIONS

# Each simulated transition: the (kind, state) osc-build waits for, and whether the
# wait belongs to the cleanup (its timeout is then CLEANUP_TIMEOUT).
WAITED_AS = {
    "vm_boot": ("vm", "running", False),
    "vm_stop": ("vm", "stopped", False),
    "vm_start": ("vm", "running", False),
    "vm_terminate": ("vm", "terminated", True),
    "volume_create": ("volume", "available", False),
    "volume_delete": ("volume", "gone", True),
    "volume_link": ("volume", "attached", False),
    "volume_unlink": ("volume", "detached", False),
    "snapshot": ("snapshot", "completed", False),
    "image": ("image", "available", False),
    "image_copy": ("image", "available", False),
    "image_import": ("image", "available", False),  # omi_regions: the copy in each Region
    "export": ("image", "available", False),  # omi_regions: the export task, as the image
    "snapshot_delete": ("snapshot", "gone", True),
}
NOT_A_TRANSITION = {"read_lag"}  # a delay of every read, not a state change
PER_GIB = {"snapshot_per_gib": "snapshot"}  # added to the named transition, per GiB
LARGEST_VOLUME_GIB = 100  # the size the per-GiB figures are checked at
MARGIN = 10  # "well within": a transition takes at most a tenth of its timeout


def test_every_simulated_transition_is_something_osc_build_waits_for():
    assert set(WAITED_AS) | set(PER_GIB) | NOT_A_TRANSITION == set(TRANSITIONS)


@pytest.mark.parametrize("profile", sorted(PROFILES))
@pytest.mark.parametrize("transition", sorted(WAITED_AS))
def test_each_transition_finishes_well_within_its_timeout(profile, transition, monkeypatch):
    monkeypatch.delenv("OSC_BUILD_WAIT_TIMEOUT", raising=False)
    timings = PROFILES[profile]
    kind, _state, cleanup = WAITED_AS[transition]
    took = timings[transition] + sum(timings[name] * LARGEST_VOLUME_GIB
                                     for name, base in PER_GIB.items() if base == transition)
    allowed = CLEANUP_TIMEOUT if cleanup else TIMEOUTS[kind]
    assert took * MARGIN <= allowed, (
        f"profile {profile!r}: {transition} takes {took:g}s, osc-build allows {allowed:g}s")


# Transitions waited for as another one is (a start as a boot, a copy as an image):
# EXPECTED has one figure per (kind, state), the other transition's.
SHARING_A_FIGURE = {"vm_start", "image_copy", "image_import", "export"}


@pytest.mark.parametrize("transition", sorted(t for t in WAITED_AS if t not in SHARING_A_FIGURE
                                              and WAITED_AS[t][:2] in EXPECTED))
def test_the_realistic_profile_takes_what_osc_build_expects(transition):
    kind, state, _cleanup = WAITED_AS[transition]
    assert PROFILES["realistic"][transition] == EXPECTED[kind, state]
