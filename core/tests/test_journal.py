"""The build journal: ids on this machine before any tag, gone when the build ends."""

from __future__ import annotations

import os

from osc_build.journal import Journal, left_behind
from osc_build.resources import ResourceLog


def test_tracked_ids_are_journaled_until_the_build_ends(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PACKER_CACHE_DIR", raising=False)
    log = ResourceLog()
    log.journal = Journal.start("0123456789ab", "outscale-bsu", "outscale-bsu.main")
    log.track("VM", "i-1", lambda: None, region="eu-west-2")
    log.track("keypair", "osc-build-0123456789ab", lambda: None, region="eu-west-2")
    [entry] = left_behind()  # as a killed build leaves it
    assert (entry.run_id, entry.builder, entry.build, entry.pid) == (
        "0123456789ab", "outscale-bsu", "outscale-bsu.main", os.getpid())
    assert entry.resources == [
        {"kind": "VM", "id": "i-1", "region": "eu-west-2"},
        {"kind": "keypair", "id": "osc-build-0123456789ab", "region": "eu-west-2"}]
    log.journal.close()
    assert list(left_behind()) == []


def test_an_intent_is_journaled_apart_from_the_tracked_ids(monkeypatch, tmp_path):
    """A create call on the wire when the build dies: its intent says how to find the result."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("PACKER_CACHE_DIR", raising=False)
    log = ResourceLog()
    log.intend("snapshot", region="eu-west-2", token="tok-1")  # no journal: nothing, no error
    log.journal = Journal.start("0123456789ab", "outscale-bsu", "outscale-bsu.main")
    log.intend("snapshot", region="eu-west-2", token="tok-1")
    log.track("snapshot", "snap-1", lambda: None, region="eu-west-2")
    [entry] = left_behind()
    assert entry.intents == [{"intent": "snapshot", "region": "eu-west-2", "token": "tok-1"}]
    assert entry.resources == [{"kind": "snapshot", "id": "snap-1", "region": "eu-west-2"}]
    log.journal.close()
