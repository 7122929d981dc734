"""-on-error=ask at a failed step: [r]etry deletes what the attempt made and runs it again."""

from __future__ import annotations

import os
import pty
import sys
import threading

import pytest

from osc_build.errors import BuildError
from osc_build.resources import ResourceLog
from osc_build.steps import Step, run_steps
from osc_build.testing import captured_build


class Terminal:
    """A real pseudo-terminal as stdin, with the answers typed in advance."""

    def __init__(self, answers: str) -> None:
        self.primary, secondary = pty.openpty()
        self.stdin = os.fdopen(secondary, "r")
        os.write(self.primary, answers.encode())

    def close(self) -> None:
        self.stdin.close()
        os.close(self.primary)


@pytest.fixture
def terminal(monkeypatch):
    made = []

    def typed(answers: str) -> Terminal:
        term = Terminal(answers)
        made.append(term)
        monkeypatch.setattr(sys, "stdin", term.stdin)
        return term

    yield typed
    for term in made:
        term.close()


def flaky_vm_step(deleted: list[str], failures: int):
    """A step that creates a VM and fails while waiting on it, ``failures`` times."""
    attempts = []

    def run(ctx, state):
        vm_id = f"i-{len(attempts)}"
        attempts.append(vm_id)
        ctx.resources.track("VM", vm_id, lambda: deleted.append(vm_id))
        if len(attempts) <= failures:
            raise BuildError(f"VM {vm_id} reached state 'error'")
        state["vm"] = vm_id

    return Step("launch the VM", run), attempts


def test_retry_deletes_the_failed_attempt_and_runs_the_step_again(tmp_path, terminal, capsys):
    captured = captured_build(tmp_path)
    ctx = captured.ctx
    ctx.on_error = "ask"
    deleted: list[str] = []
    ctx.resources.track("keypair", "kp-1", lambda: deleted.append("kp-1"))
    step, attempts = flaky_vm_step(deleted, failures=2)
    terminal("x\nr\nr\n")  # an unknown answer asks again
    state = run_steps(ctx, [step], {})
    assert state == {"vm": "i-2"} and attempts == ["i-0", "i-1", "i-2"]
    assert deleted == ["i-0", "i-1"]  # each failed attempt's VM, not the keypair before it
    assert [e.id for e in ctx.resources.pending] == ["kp-1", "i-2"]
    assert capsys.readouterr().out.count("[r] retry step") == 3
    assert "Deleting what the failed attempt created: VM i-0" in captured.output
    assert captured.output.count("Retrying step 'launch the VM'") == 2
    assert ctx.on_error == "ask"  # a later failure asks again


@pytest.mark.parametrize(("answer", "mode"), [("c", "cleanup"), ("a", "abort")])
def test_clean_up_or_abort_is_the_build_answer(tmp_path, terminal, answer, mode):
    ctx = captured_build(tmp_path).ctx
    ctx.on_error = "ask"
    deleted: list[str] = []
    step, attempts = flaky_vm_step(deleted, failures=1)
    terminal(answer + "\n")
    with pytest.raises(BuildError):
        run_steps(ctx, [step], {})
    assert attempts == ["i-0"] and deleted == []  # the runner unwinds or keeps, not the step
    assert ctx.on_error == mode


def test_no_terminal_cleans_up_without_retrying(tmp_path, monkeypatch):
    captured = captured_build(tmp_path)
    captured.ctx.on_error = "ask"
    read, write = os.pipe()
    os.close(write)
    with os.fdopen(read) as not_a_terminal:
        monkeypatch.setattr(sys, "stdin", not_a_terminal)
        step, attempts = flaky_vm_step([], failures=1)
        with pytest.raises(BuildError):
            run_steps(captured.ctx, [step], {})
    assert attempts == ["i-0"] and captured.ctx.on_error == "cleanup"
    assert "no terminal to ask on; cleaning up" in captured.output


def test_an_undo_that_fails_is_a_leak_of_the_build(tmp_path, terminal):
    captured = captured_build(tmp_path)
    ctx = captured.ctx
    ctx.on_error = "ask"
    attempts = []

    def run(ctx, state):
        attempts.append(1)
        if len(attempts) == 1:
            def refuse():
                raise RuntimeError("InvalidResource: vm busy")
            ctx.resources.track("VM", "i-stuck", refuse)
            raise BuildError("boot failed")

    terminal("r\n")
    run_steps(ctx, [Step("launch the VM", run)], {})
    assert [(leak.id, leak.reason) for leak in ctx.resources.leaked] == [
        ("i-stuck", "InvalidResource: vm busy")]
    assert "could not delete VM i-stuck: InvalidResource: vm busy" in captured.output


def test_abandon_stops_an_unwind_in_another_thread_after_the_delete_under_way():
    log = ResourceLog()
    started, release = threading.Event(), threading.Event()
    deleted = []

    def slow_delete():
        started.set()
        release.wait(5)
        deleted.append("i-1")

    log.track("keypair", "kp-1", lambda: deleted.append("kp-1"))
    log.track("security group", "sg-1", lambda: deleted.append("sg-1"))
    log.track("VM", "i-1", slow_delete)
    outcome = []

    def unwind():
        try:
            log.unwind(succeeded=False)
        except KeyboardInterrupt:
            outcome.append("abandoned")

    worker = threading.Thread(target=unwind)
    worker.start()
    assert started.wait(5)
    assert log.under_way.id == "i-1"
    assert [e.id for e in log.remaining] == ["i-1", "sg-1", "kp-1"]
    log.abandon()
    release.set()
    worker.join(5)
    assert outcome == ["abandoned"] and deleted == ["i-1"]
    assert [(leak.id, leak.reason) for leak in log.leaked] == [
        ("sg-1", "cleanup interrupted"), ("kp-1", "cleanup interrupted")]
    assert log.remaining == [] and log.under_way is None
