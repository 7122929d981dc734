"""The heartbeat: one CreateTags per Region per beat, on tracked temporary resources only,
and the thread ends with the build."""

from __future__ import annotations

import threading
import time

import pytest

from osc_build.context import BuildContext
from osc_build.errors import ConfigError
from osc_build.resources import ResourceLog
from osc_build_outscale.cloud import heartbeat
from osc_build_outscale.cloud.tags import HEARTBEAT_TAG, beat


class RecordingClient:
    def __init__(self, region: str) -> None:
        self.region = region
        self.calls: list[tuple[str, dict]] = []

    def call(self, operation: str, **params):
        self.calls.append((operation, params))
        return {}


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_beats_tag_tracked_temporary_ids_once_per_region_then_stop(monkeypatch):
    monkeypatch.setenv(heartbeat.INTERVAL_VARIABLE, "0.05")
    ctx = BuildContext(name="outscale-bsu.main", builder="outscale-bsu", config=None, ui=None,
                       resources=ResourceLog(), cancelled=threading.Event())
    here, there = RecordingClient("eu-west-2"), RecordingClient("us-east-2")
    for ident in ("i-1", "sg-1"):
        ctx.resources.track("x", ident, lambda: None)
    ctx.resources.track("OMI", "ami-1", lambda: None, keep_on_success=True)
    ctx.resources.track("x", "ami-2", lambda: None)
    heartbeat.beat_on(ctx, here, ["i-1", "sg-1", "ami-1", "never-tracked"], beat)
    heartbeat.beat_on(ctx, there, ["ami-2"], beat)
    wait_for(lambda: len(here.calls) >= 2 and there.calls)
    operation, params = here.calls[0]
    assert operation == "CreateTags"
    assert params["ResourceIds"] == ["i-1", "sg-1"]  # never the artifact, never untracked
    assert [t["Key"] for t in params["Tags"]] == [HEARTBEAT_TAG]
    assert there.calls[0][1]["ResourceIds"] == ["ami-2"]
    beats = heartbeat._beats[ctx.run_id]
    ctx.resources.unwind(succeeded=True)  # the build ends: nothing left to beat on
    beats.thread.join(timeout=5)
    assert not beats.thread.is_alive() and ctx.run_id not in heartbeat._beats
    count = len(here.calls)
    time.sleep(0.15)
    assert len(here.calls) == count


def test_a_bad_interval_says_what_to_set(monkeypatch):
    monkeypatch.setenv(heartbeat.INTERVAL_VARIABLE, "soon")
    with pytest.raises(ConfigError, match="OSC_BUILD_HEARTBEAT_INTERVAL='soon'"):
        heartbeat.interval()
