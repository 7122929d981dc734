"""run_provisioners: pause_before, timeout, max_retries, and the none communicator."""

from __future__ import annotations

import time

import pytest

from osc_build.communicators import NoneCommunicator
from osc_build.errors import BuildError, ConfigError, Interrupted
from osc_build.provision import (
    CommandTimeout,
    ProvisionerCall,
    TimedCommunicator,
    go_duration_text,
    prepare_provisioners,
    run_provisioners,
)


def test_pause_before_waits_and_says_so(build, comm, prepared):
    started = time.monotonic()
    run_provisioners(build.ctx, comm, prepared(("shell", {"inline": ["true"]}),
                                               pause_before=0.3))
    assert time.monotonic() - started >= 0.3
    assert "Pausing 0.3s before the next provisioner..." in build.output


def test_max_retries_retries_then_succeeds(build, comm, prepared, monkeypatch):
    comm.statuses = [1, 0, 0]  # first run fails; its cleanup; then the retry
    items = prepared(("shell", {"inline": ["flaky"], "skip_clean": True}), max_retries=2)
    run_provisioners(build.ctx, comm, items)
    assert len(comm.commands) == 2
    assert ('Provisioner failed with "inline script exited with non-zero exit status: '
            '1. Allowed exit codes are: [0]", retrying with 2 trie(s) left') in build.output


def test_max_retries_gives_up(build, comm, prepared):
    comm.statuses = [5, 5]
    with pytest.raises(BuildError, match=r"provisioner 'shell' failed: .* status: 5"):
        run_provisioners(build.ctx, comm, prepared(
            ("shell", {"inline": ["bad"], "skip_clean": True}), max_retries=1))
    assert "retry limit reached." in build.output


def test_timeout_is_applied_to_commands(build, comm, prepared):
    run_provisioners(build.ctx, comm, prepared(("shell", {"inline": ["x"]}), timeout=300.0))
    assert "Setting a 5m0s timeout for the next provisioner..." in build.output
    assert all(t is not None and 299 < t <= 300 for t in comm.timeouts)


def test_expired_timeout_cancels_the_provisioner(build, prepared):
    class Slow:
        def run(self, command, *, env=None, timeout=None):
            time.sleep(timeout)
            raise CommandTimeout("remote command timed out")

        def upload_content(self, *args, **kwargs):
            pass

    with pytest.raises(BuildError, match=r"provisioner 'shell' failed: timed out after 0\.2s"):
        run_provisioners(build.ctx, Slow(), prepared(("shell", {"inline": ["sleep 9"]}),
                                                     timeout=0.2))
    assert "Cancelling provisioner after a timeout..." in build.output


def test_timed_communicator_refuses_work_after_the_deadline(comm):
    timed = TimedCommunicator(comm, 0.05)
    time.sleep(0.06)
    with pytest.raises(BuildError, match=r"timed out after 0\.05s"):
        timed.upload_content(b"x", "/tmp/x")
    assert comm.files == {}


def test_meta_arguments_inside_the_options_are_lifted():
    [item] = prepare_provisioners([ProvisionerCall("shell", {
        "inline": ["x"], "pause_before": "10s", "timeout": "1m", "max_retries": "2"})])
    assert (item.call.pause_before, item.call.timeout, item.call.max_retries) == (10, 60, 2)
    with pytest.raises(ConfigError, match="invalid duration"):
        prepare_provisioners([ProvisionerCall("shell", {"inline": ["x"], "timeout": "soon"})])


def test_cancelled_build_stops_before_the_next_provisioner(build, comm, prepared):
    build.ctx.cancelled.set()
    with pytest.raises(Interrupted):
        run_provisioners(build.ctx, comm, prepared(("shell", {"inline": ["x"]})))
    assert comm.commands == []


def test_none_communicator_fails_shell_clearly_but_runs_shell_local(build, prepared, tmp_path):
    marker = tmp_path / "ran"
    run_provisioners(build.ctx, NoneCommunicator(), prepared(
        ("shell-local", {"inline": [f"touch {marker}"]})))
    assert marker.exists()
    with pytest.raises(BuildError, match=r'"none", so an upload to /tmp/script_\d+\.sh cannot'):
        run_provisioners(build.ctx, NoneCommunicator(), prepared(("shell", {"inline": ["x"]})))


def test_go_duration_text():
    assert [go_duration_text(s) for s in (0.5, 30, 60, 300, 3725)] == [
        "0.5s", "30s", "1m0s", "5m0s", "1h2m5s"]


def test_build_data_reaches_provisioner_options_at_run_time(build, comm, prepared):
    """build.Password (HCL2: the placeholder below) and {{ .WinRMPassword }} (legacy JSON) are
    known once the builder connects; other actions ({{.Path}}) stay for the provisioner."""
    build.ctx.build_data.update(Password="Adm1n-sentinel", WinRMPassword="Adm1n-sentinel",
                                Host="127.0.0.7")
    items = prepared(("shell", {
        "inline": ["login {{ build `Password` }} at {{ build `Host` }}", "keep {{ build `Nope` }}"],
        "environment_vars": ["PW={{ .WinRMPassword }}"], "skip_clean": True,
        "remote_path": "/tmp/s.sh", "execute_command": "{{.Vars}} sh {{.Path}}"}))
    run_provisioners(build.ctx, comm, items)
    assert comm.files["/tmp/s.sh"][0] == (b"#!/bin/sh -e\nlogin Adm1n-sentinel at 127.0.0.7\n"
                                          b"keep {{ build `Nope` }}\n")
    assert "PW='Adm1n-sentinel'" in comm.commands[0] and "sh /tmp/s.sh" in comm.commands[0]
    assert items[0].config.inline[0] == "login {{ build `Password` }} at {{ build `Host` }}"
