"""SIGINT and SIGTERM at every step boundary and in the middle of waits: nothing leaks.

A test plugin (``data/signal-plugin``) makes the build signal its own process
when a chosen step starts, or a moment later while that step waits.
"""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pytest

from osc_build_bsu.steps import STEPS as BSU_STEPS
from osc_build_bsuvolume.steps import STEPS as BSUVOLUME_STEPS
from osc_build_outscale.cloud.password import password_wanted
from osc_build_sim.config import default_document
from osc_build_sim.testing import leftovers, oos_leftovers, running_simulator
from osc_build_surrogate.steps import STEPS as SURROGATE_STEPS

from .conftest import OnTerminal, artifacts_of, clean_env, cli_build, delete_everything
from .templates import template

PLUGIN = Path(__file__).parent / "data" / "signal-plugin"
# Each builder's steps but the one that runs only with communicator = "winrm" (these
# templates have none; plugins/windows' e2e tests fail at it and check the cleanup).
STEPS = {builder: [step for step in steps if step.when is not password_wanted]
         for builder, steps in {"outscale-bsu": BSU_STEPS, "outscale-bsuvolume": BSUVOLUME_STEPS,
                                "outscale-bsusurrogate": SURROGATE_STEPS}.items()}
# Options that make the optional steps run: a copy to another region, an old OMI to
# replace (only for that step: force_deregister skips "check the OMI name").
COPY = '  omi_regions = ["us-east-2"]\n'
REPLACE = "  force_deregister = true\n"
# Steps that wait on the cloud, and the slow simulator's timings that make them last.
WAITING = {"launch the VM", "stop the VM", "create the OMI", "copy the OMI to other regions",
           "snapshot the volumes", "register the OMI", "detach the volumes", "terminate the VM"}
SLOW_TIMINGS = {"vm_boot": 2, "vm_stop": 2, "vm_terminate": 1, "volume_create": 1,
                "volume_link": 1, "volume_unlink": 2, "snapshot": 2, "image": 2,
                "image_copy": 2, "export": 2, "image_import": 2}

pytestmark = pytest.mark.slow


def source(builder: str, step: str) -> str:
    if builder == "outscale-bsuvolume":
        return template(builder)
    return template(builder, extra=COPY + (REPLACE if step == "deregister the old OMI" else ""))


def interrupted_build(sim, tmp_path, builder, step, signame, delay, tally):
    text = source(builder, step)
    if "force_deregister" in text:  # an OMI of the same name, for "deregister the old OMI"
        text = text.replace('omi_name = "rel-{{uuid}}"', f'omi_name = "rel-{tmp_path.name}"')
        # (without omi_regions: force_deregister does not reach the copies, see the report)
        first = cli_build(sim, tmp_path, text.replace('omi_regions = ["us-east-2"]', ""))
        assert first.returncode == 0, first.output
    images, snapshots = artifacts_of(sim)
    result = cli_build(sim, tmp_path, text, env={
        "PYTHONPATH": str(PLUGIN), "OSC_BUILD_REL_SIGNAL": f"{step}|{signame}|{delay}"})
    counts = tally["interrupts"]
    counts["builds"] += 1
    leaked = leftovers(sim)
    counts["resources_leaked"] += sum(len(ids) for ids in leaked.values())
    assert f"signal-plugin: sent {signame} at {step}" in result.stderr, result.output
    assert result.returncode != 0, result.output
    assert "Traceback" not in result.output, result.output
    assert "Interrupted." in result.stderr
    assert leaked == {}, json.dumps(leaked)
    assert not any(oos_leftovers(sim).values()), oos_leftovers(sim)  # omi_regions' export
    new_images = artifacts_of(sim)[0] - images
    assert not new_images, f"interrupted build left OMIs {new_images}"
    assert not artifacts_of(sim)[1] - snapshots, "interrupted build left snapshots"
    counts["cleaned_up"] += 1
    return result


# SIGINT at every step; SIGTERM at three of each builder's: its handler raises the same
# KeyboardInterrupt at the same point (osc_build.cli), so the rest of the unwinding is the
# SIGINT case's. Before anything exists, with the VM's prerequisites made, with a VM to delete.
SIGTERM_AT = ("check credentials", "launch the VM", "stop the VM")


def cases(signals=("SIGINT",)):
    return [pytest.param(builder, step.name, signame, id=f"{builder}-{step.name}-{signame}")
            for builder, steps in STEPS.items() for step in steps for signame in signals]


def boundary_cases():
    return cases() + [param for param in cases(("SIGTERM",)) if param.values[1] in SIGTERM_AT]


@pytest.mark.parametrize(("builder", "step", "signame"), boundary_cases())
def test_signal_at_step_boundary(sim, tmp_path, builder, step, signame, tally):
    result = interrupted_build(sim, tmp_path, builder, step, signame, 0, tally)
    if "deleted " in result.stderr:  # something was made: the summary names it
        assert "==> Deleted the temporary resources of failed builds:" in result.stdout


@pytest.fixture(scope="module")
def slow_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("slow-sim"), profile="instant",
                           config={**default_document(), "timings": SLOW_TIMINGS}) as handle:
        yield handle


@pytest.mark.parametrize(("builder", "step", "signame"),
                         [p for p in cases() if p.values[1] in WAITING])
def test_signal_in_the_middle_of_a_wait(slow_sim, tmp_path, builder, step, signame, tally):
    result = interrupted_build(slow_sim, tmp_path, builder, step, signame, 0.7, tally)
    assert "==> Deleted the temporary resources of failed builds:" in result.stdout


@pytest.mark.parametrize("answer", ["y", "n"])
def test_second_ctrl_c_asks_before_abandoning_cleanup(slow_sim, tmp_path, answer, tally):
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template("outscale-bsu"))
    terminal = OnTerminal(["build", "--local", "-color=false", str(path)], cwd=tmp_path,
                          env=clean_env(OSC_BUILD_SIM_DATA=str(slow_sim.data_dir),
                                        PYTHONPATH=str(PLUGIN),
                                        OSC_BUILD_REL_SIGNAL="stop the VM|SIGINT|0"))
    try:
        assert terminal.read_until("Cleaning up temporary resources..."), terminal.output
        time.sleep(0.3)  # now deleting the VM, which takes a second
        terminal.proc.send_signal(signal.SIGINT)
        assert terminal.read_until("Abandon cleanup and leave them behind? [y/N]"), \
            terminal.output
        terminal.write(answer + "\n")
        returncode = terminal.finish()
        output = terminal.output
        assert returncode == 1, output
        assert "Traceback" not in output
        if answer == "n":
            assert leftovers(slow_sim) == {}, output
            tally["interrupts"]["second_ctrl_c_finished_cleanup"] += 1
            return
        left = re.findall(r"--> outscale-bsu.main: (\S+ (?:\S+ )?\S+)(?: in \S+)?: "
                          r"cleanup interrupted", output)
        assert left, output
        assert "Could not delete these temporary resources" in output
        for kind_and_id in left:
            assert kind_and_id.split()[-1] in json.dumps(leftovers(slow_sim)), kind_and_id
        tally["interrupts"]["second_ctrl_c_abandoned_and_listed"] += 1
    finally:
        delete_everything(slow_sim)


def two_sources() -> str:
    """Two outscale-bsu sources in one build: they run at once, in threads."""
    one = template("outscale-bsu")
    block = one[:one.index("build {")]
    return (block.replace('"main"', '"a"') + block.replace('"main"', '"b"')
            + 'build {\n  sources = ["source.outscale-bsu.a", "source.outscale-bsu.b"]\n}\n')


LEFT_BEHIND = re.compile(r"--> (outscale-bsu\.[ab]): (?:\S+ )+?(\S+)(?: in \S+)?: "
                         r"cleanup interrupted")


@pytest.mark.parametrize("answer", ["y", "n"])
def test_second_ctrl_c_during_parallel_cleanup_asks_once(slow_sim, tmp_path, answer, tally):
    path = tmp_path / "build.pkr.hcl"
    path.write_text(two_sources())
    terminal = OnTerminal(["build", "--local", "-color=false", str(path)], cwd=tmp_path,
                          env=clean_env(OSC_BUILD_SIM_DATA=str(slow_sim.data_dir)))
    try:
        # Both VMs boot (2 s): the first Ctrl-C cancels both builds in their wait.
        for name in ("a", "b"):
            assert terminal.read_until(f"outscale-bsu.{name}: VM i-"), terminal.output
        terminal.proc.send_signal(signal.SIGINT)
        for name in ("a", "b"):
            assert terminal.read_until(f"==> outscale-bsu.{name}: Cleaning up temporary "
                                       "resources..."), terminal.output
        time.sleep(0.3)  # each build now deletes its VM, which takes a second
        terminal.proc.send_signal(signal.SIGINT)
        assert terminal.read_until("Abandon cleanup and leave them behind? [y/N]"), \
            terminal.output
        question = terminal.output[terminal.output.rindex("Cleanup is not finished"):]
        assert "outscale-bsu.a: VM i-" in question and "outscale-bsu.b: VM i-" in question
        terminal.write(answer + "\n")
        returncode = terminal.finish()
        output = terminal.output
        assert returncode == 1, output
        assert "Traceback" not in output
        assert output.count("Abandon cleanup and leave them behind?") == 1, output
        if answer == "n":
            assert leftovers(slow_sim) == {}, output
            assert not LEFT_BEHIND.search(output), output
            tally["interrupts"]["parallel_second_ctrl_c_finished_cleanup"] += 1
            return
        left = LEFT_BEHIND.findall(output)
        assert {name for name, _ in left} == {"outscale-bsu.a", "outscale-bsu.b"}, output
        kept = leftovers(slow_sim)
        assert sorted(i for _, i in left) == sorted(i for ids in kept.values() for i in ids), \
            (output, kept)
        tally["interrupts"]["parallel_second_ctrl_c_abandoned_and_listed"] += 1
    finally:
        delete_everything(slow_sim)
