"""-on-error: abort keeps and prints, ask asks on the terminal (and can retry the failed step),
the cleanup provisioner runs."""

from __future__ import annotations

import json
import re

import pytest

from osc_build_sim.testing import leftovers

from .conftest import OnTerminal, artifacts_of, clean_env, cli_build, delete_everything
from .templates import template

FAILING = """
  provisioner "shell-local" {
    inline = ["echo provisioning; exit 3"]
  }
  error-cleanup-provisioner "shell-local" {
    inline = ["echo cleanup-ran > cleanup-marker"]
  }
"""


def assert_kept_and_printed(sim, output: str, mode: str) -> None:
    kept = leftovers(sim)
    assert kept.get("vm") and kept.get("security_group"), json.dumps(kept)
    for kind, ids in kept.items():
        if kind == "volume":  # the kept VM's own disks: they go with it
            continue
        for resource_id in ids:
            assert re.search(rf"on-error={mode}: left \w[\w ]* {resource_id}", output), output
    assert f"==> Left in place (on-error={mode}):" in output


def test_abort_keeps_everything_and_prints_the_ids(sim, tmp_path, tally):
    result = cli_build(sim, tmp_path, template("outscale-bsu"), "-on-error=abort",
                       env={"OSC_BUILD_FAULT_STEP": "stop the VM"})
    try:
        assert result.returncode == 1, result.output
        assert_kept_and_printed(sim, result.stdout, "abort")
        tally["on_error"]["abort_kept"] += 1
    finally:
        delete_everything(sim)


def run_on_pty(sim, tmp_path, answer: str) -> tuple[int, str]:
    """Run a failing build with -on-error=ask on a terminal; answer its question."""
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template("outscale-bsu"))
    terminal = OnTerminal(["build", "--local", "-on-error=ask", "-color=false", str(path)],
                          cwd=tmp_path, env=clean_env(OSC_BUILD_SIM_DATA=str(sim.data_dir),
                                                      OSC_BUILD_FAULT_STEP="stop the VM"))
    if terminal.read_until("[a] abort without cleanup"):
        terminal.write(answer + "\n")
    return terminal.finish(), terminal.output


@pytest.mark.parametrize("answer", ["c", "a"])
def test_ask_on_a_terminal(sim, tmp_path, answer, tally):
    returncode, output = run_on_pty(sim, tmp_path, answer)
    try:
        assert ("[c] Clean up and exit, [a] abort without cleanup, or [r] retry step"
                in output)
        assert returncode == 1, output
        assert "Traceback" not in output
        if answer == "c":
            assert leftovers(sim) == {}, output
            assert "==> Deleted the temporary resources of failed builds:" in output
        else:
            assert_kept_and_printed(sim, output, "abort")
        tally["on_error"]["ask_answered"] += 1
    finally:
        delete_everything(sim)


def test_retry_runs_the_failed_step_again_and_leaks_nothing(sim, tmp_path, tally):
    """A VM that fails to boot once: [r] deletes it, launches another, the build completes."""
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template("outscale-bsu"))
    sim.set_faults([{"operation": "CreateVms", "kind": "fail"}])
    images = artifacts_of(sim)[0]
    try:
        terminal = OnTerminal(["build", "--local", "-on-error=ask", "-color=false", str(path)],
                              cwd=tmp_path, env=clean_env(OSC_BUILD_SIM_DATA=str(sim.data_dir)))
        asked = terminal.read_until("[r] retry step")
        sim.set_faults([])  # the fault happened once
        if asked:
            terminal.write("r\n")
        returncode, output = terminal.finish(), terminal.output
        assert asked, output
        assert "step 'launch the VM' failed: VM i-" in output
        failed_vm = re.search(r"Deleting what the failed attempt created: VM (i-\w+)", output)
        assert failed_vm, output
        assert "Retrying step 'launch the VM'..." in output
        assert returncode == 0, output
        assert "Traceback" not in output
        new_images = artifacts_of(sim)[0] - images
        assert len(new_images) == 1 and new_images.pop() in output, output
        assert leftovers(sim) == {}, output
        [vm] = [v for v in sim.resources("vm") if v["VmId"] == failed_vm.group(1)]
        assert vm["State"] == "terminated"
        tally["on_error"]["ask_retried_and_built"] += 1
    finally:
        sim.set_faults([])
        delete_everything(sim)


def test_ask_without_a_terminal_cleans_up(sim, tmp_path):
    result = cli_build(sim, tmp_path, template("outscale-bsu"), "-on-error=ask",
                       env={"OSC_BUILD_FAULT_STEP": "stop the VM"}, input="")
    assert result.returncode == 1, result.output
    assert "on-error=ask: no terminal to ask on; cleaning up" in result.output
    assert leftovers(sim) == {}


@pytest.mark.parametrize("mode", ["run-cleanup-provisioner", "cleanup", "abort"])
def test_error_cleanup_provisioner(sim, tmp_path, mode, tally):
    result = cli_build(sim, tmp_path, template("outscale-bsu", build_body=FAILING),
                       f"-on-error={mode}")
    marker = tmp_path / "cleanup-marker"
    try:
        assert result.returncode == 1, result.output
        assert "provisioning" in result.stdout and "Traceback" not in result.output
        if mode == "abort":
            assert not marker.exists(), "abort must not run the cleanup provisioner"
            assert_kept_and_printed(sim, result.stdout, "abort")
            return
        assert marker.read_text().strip() == "cleanup-ran", result.output
        assert "running the error-cleanup-provisioner" in result.stdout
        tally["on_error"]["cleanup_provisioner_runs"] += 1
        if mode == "run-cleanup-provisioner":
            assert_kept_and_printed(sim, result.stdout, mode)
        else:
            assert leftovers(sim) == {}
    finally:
        delete_everything(sim)


def failing_sources(names: tuple[str, ...]) -> str:
    """outscale-bsu sources (several run in threads); the fault makes each fail and ask."""
    one = template("outscale-bsu")
    block = one[:one.index("build {")]
    sources = ", ".join(f'"source.outscale-bsu.{name}"' for name in names)
    return ("".join(block.replace('"main"', f'"{name}"') for name in names)
            + f"build {{\n  sources = [{sources}]\n}}\n")


@pytest.mark.parametrize("names", [("a", "b"), ("main",)], ids=["parallel", "one"])
def test_ctrl_c_at_the_question_cleans_up_at_once(sim, tmp_path, names, tally):
    """Parallel builds ask in their threads, but Ctrl-C goes to the main thread: it answers
    the pending question "clean up" and the other builds are not asked."""
    import signal
    import time

    path = tmp_path / "build.pkr.hcl"
    path.write_text(failing_sources(names))
    terminal = OnTerminal(["build", "--local", "-on-error=ask", "-color=false", str(path)],
                          cwd=tmp_path, env=clean_env(OSC_BUILD_SIM_DATA=str(sim.data_dir),
                                                      OSC_BUILD_FAULT_STEP="stop the VM"))
    try:
        assert terminal.read_until("[a] abort without cleanup"), terminal.output
        asked = re.findall(r"==> (outscale-bsu\.\w+): \[c\] Clean up", terminal.output)
        assert len(asked) == 1, terminal.output  # another build waits for its turn
        time.sleep(0.3)  # nobody answers
        interrupted = time.monotonic()
        terminal.proc.send_signal(signal.SIGINT)
        returncode = terminal.finish(timeout=30)
        took = time.monotonic() - interrupted
        output = terminal.output
        assert returncode == 1, output
        assert "Traceback" not in output
        assert took < 15, (took, output)
        assert f"==> {asked[0]}: on-error=ask: interrupted; cleaning up" in output
        assert output.count("[c] Clean up and exit") == 1, output  # nobody else is asked
        assert "==> Deleted the temporary resources of failed builds:" in output
        for name in names:
            assert f"==> outscale-bsu.{name}: Cleaning up temporary resources..." in output
        assert leftovers(sim) == {}, output
        tally["on_error"]["ctrl_c_at_question_cleaned_up"] += 1
    finally:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
            terminal.proc.wait()
        delete_everything(sim)


def test_ask_with_machine_readable_output_cleans_up_without_asking(sim, tmp_path):
    """As Packer's machine-readable UI, which cannot ask: even on a terminal."""
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template("outscale-bsu"))
    terminal = OnTerminal(["build", "--local", "-on-error=ask", "-machine-readable", str(path)],
                          cwd=tmp_path, env=clean_env(OSC_BUILD_SIM_DATA=str(sim.data_dir),
                                                      OSC_BUILD_FAULT_STEP="stop the VM"))
    returncode, output = terminal.finish(timeout=30), terminal.output
    assert returncode == 1, output
    assert "[c] Clean up" not in output
    assert (",,ui,say,==> outscale-bsu.main: on-error=ask: machine-readable output cannot ask; "
            "cleaning up") in output
    assert ",,error-count,1" in output
    assert leftovers(sim) == {}, output
