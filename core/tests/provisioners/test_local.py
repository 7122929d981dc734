"""shell-local and breakpoint: commands on this machine, and pausing the build."""

from __future__ import annotations

import io
import sys
import threading
import time

import pytest

from osc_build.errors import BuildError, Interrupted
from osc_build.provision import run_provisioners
from osc_build.provisioners.breakpoint import BreakpointProvisioner
from osc_build.provisioners.shell_local import ShellLocalProvisioner, current_os


def run_local(build, comm, config) -> None:
    ShellLocalProvisioner().provision(build.ctx, comm, config)


def test_runs_here_with_variables_and_streams_output(build, comm, loaded):
    run_local(build, comm, loaded("shell-local", inline=[
        'echo "name=$PACKER_BUILD_NAME type=$PACKER_BUILDER_TYPE color=$COLOR"',
        "echo to-stderr >&2"], environment_vars=["COLOR=blue"]))
    assert "    outscale-bsu.main: name=main type=outscale-bsu color=blue" in build.output
    assert "    outscale-bsu.main: to-stderr" in build.output
    assert "==> outscale-bsu.main: Running local shell script: inline script" in build.output
    assert comm.commands == []


def test_exit_codes_and_deprecated_command(build, comm, loaded):
    with pytest.raises(BuildError, match="exit status: 4"):
        run_local(build, comm, loaded("shell-local", command="exit 4"))
    run_local(build, comm, loaded("shell-local", command="exit 4", valid_exit_codes=[4]))


def test_custom_execute_command_gets_script_and_vars(build, comm, loaded, tmp_path):
    script = tmp_path / "s.sh"
    script.write_text('echo "script says $GREETING"\n')
    command = ["/bin/bash", "-c", "{{.Vars}} bash {{.Script}}"]
    run_local(build, comm, loaded("shell-local", script=str(script), env={"GREETING": "hi"},
                                  execute_command=command))
    assert "script says hi" in build.output


def test_only_on_skips_other_systems(build, comm, loaded, tmp_path):
    other = "windows" if current_os() != "windows" else "linux"
    run_local(build, comm, loaded("shell-local", inline=[f"touch {tmp_path}/x"],
                                  only_on=[other]))
    assert "Skipping shell-local due to runtime OS" in build.output
    assert not (tmp_path / "x").exists()


def test_timeout_kills_the_local_command(build, comm, prepared):
    started = time.monotonic()
    with pytest.raises(BuildError, match=r"timed out after 0\.3s"):
        run_provisioners(build.ctx, comm, prepared(("shell-local", {"inline": ["sleep 30"]}),
                                                   timeout=0.3))
    assert time.monotonic() - started < 3


def test_cancel_kills_the_local_command(build, comm, loaded):
    threading.Timer(0.2, build.ctx.cancelled.set).start()
    with pytest.raises(Interrupted):
        run_local(build, comm, loaded("shell-local", inline=["sleep 30"]))


def test_breakpoint_waits_for_enter(build, comm, loaded, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    BreakpointProvisioner().provision(build.ctx, comm, loaded("breakpoint", note="look now"))
    assert 'Pausing at breakpoint provisioner with note "look now".' in build.output
    assert "Press enter to continue." in build.output


def test_disabled_breakpoint_continues(build, comm, loaded):
    BreakpointProvisioner().provision(build.ctx, comm, loaded("breakpoint", disable=True))
    assert "Breakpoint provisioner disabled; continuing..." in build.output


def test_breakpoint_is_interruptible(build, comm, loaded, monkeypatch):
    class Never(io.StringIO):
        def readline(self, *args):
            threading.Event().wait(5)
            return ""

    monkeypatch.setattr(sys, "stdin", Never())
    threading.Timer(0.2, build.ctx.cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(Interrupted):
        BreakpointProvisioner().provision(build.ctx, comm, loaded("breakpoint"))
    assert time.monotonic() - started < 1.5


def test_command_and_inline_conflict(loaded):
    from osc_build.errors import ConfigError

    with pytest.raises(ConfigError, match=r"command: command \(deprecated\) and inline cannot"):
        loaded("shell-local", command="make", inline=["make test"])
