"""The undo log: reverse order, best effort, leaks reported, artifacts kept."""

from __future__ import annotations

import logging

import pytest

from osc_build.resources import ResourceLog


def test_unwinds_newest_first_and_keeps_going_past_failures(caplog):
    deleted = []
    log = ResourceLog()

    def failing():
        raise RuntimeError("DependencyViolation: sg in use")

    log.track("keypair", "kp-1", lambda: deleted.append("kp-1"))
    log.track("security group", "sg-1", failing)
    log.track("vm", "i-1", lambda: deleted.append("i-1"))
    with caplog.at_level(logging.INFO):
        leaks = log.unwind(succeeded=False)
    assert deleted == ["i-1", "kp-1"]
    assert [(leak.kind, leak.id) for leak in leaks] == [("security group", "sg-1")]
    assert "DependencyViolation" in leaks[0].reason
    assert "could not delete security group sg-1" in caplog.text
    assert log.pending == []


def test_success_keeps_artifacts_and_failure_deletes_them():
    deleted = []
    for succeeded, expected in ((True, ["vm"]), (False, ["vm", "omi"])):
        deleted.clear()
        log = ResourceLog()
        log.track("omi", "ami-1", lambda: deleted.append("omi"), keep_on_success=True)
        log.track("vm", "i-1", lambda: deleted.append("vm"))
        log.unwind(succeeded=succeeded)
        assert deleted == expected


def test_forget_and_keep():
    deleted = []
    log = ResourceLog()
    log.track("vm", "i-1", lambda: deleted.append("i-1"))
    log.track("snapshot", "snap-1", lambda: deleted.append("snap-1"))
    log.forget("i-1")
    log.keep("snap-1")
    log.unwind(succeeded=True)
    assert deleted == []


def test_interrupt_during_unwind_reports_what_is_left():
    log = ResourceLog()

    def interrupted():
        raise KeyboardInterrupt

    log.track("keypair", "kp-1", lambda: None)
    log.track("vm", "i-1", interrupted)
    with pytest.raises(KeyboardInterrupt):
        log.unwind(succeeded=False)
    assert [(leak.id, leak.reason) for leak in log.leaked] == [
        ("i-1", "cleanup interrupted"), ("kp-1", "cleanup interrupted")]


def test_a_kept_artifact_is_marked_kept_and_a_failed_one_is_not():
    marked = []
    log = ResourceLog()
    log.track("OMI", "ami-1", lambda: None, keep_on_success=True,
              on_keep=lambda: marked.append("ami-1"))
    log.track("snapshot", "snap-1", lambda: None, on_keep=lambda: marked.append("snap-1"))
    log.track("VM", "i-1", lambda: None, on_keep=lambda: marked.append("i-1"))
    log.keep("snap-1")  # an OMI uses it now
    log.unwind(succeeded=True)
    assert sorted(marked) == ["ami-1", "snap-1"]
    assert [e.id for e in log.deleted] == ["i-1"]
    failed = ResourceLog()
    failed.track("OMI", "ami-2", lambda: None, keep_on_success=True,
                 on_keep=lambda: marked.append("ami-2"))
    failed.unwind(succeeded=False)
    assert "ami-2" not in marked
