"""fake-local: a test-only builder that "builds" a directory on this machine.

It has the shape of a real builder (typed state, a list of steps, resources
recorded in the undo log as soon as they exist, provisioners run through a
communicator) but its resources are local directories.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from marshmallow import fields

from osc_build import hookimpl
from osc_build.artifact import Artifact
from osc_build.config import OptionsSchema, option
from osc_build.errors import ConfigError
from osc_build.interfaces import Builder
from osc_build.provision import run_provisioners
from osc_build.steps import Step, run_steps


class LocalOptionsSchema(OptionsSchema):
    output_dir = option(fields.String(required=True), "Where the built tree is kept.")
    content = option(fields.String(load_default="hello"), "Text written to the built tree.")
    keep_workdir = option(fields.Boolean(load_default=False), "Never set in tests.")


@dataclass
class LocalState:
    workdir: Path | None = None
    machine: Path | None = None
    output: Path | None = None


class LocalCommunicator:
    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, command, *, env=None, timeout=None):
        proc = subprocess.Popen(command, shell=True, cwd=self.root, env=env,
                                start_new_session=True)
        try:
            return proc.wait(timeout=timeout)
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole command, not just its shell
            proc.wait()
            raise

    def upload(self, source, destination):
        shutil.copy(source, self.root / destination.lstrip("/"))

    def download(self, source, destination):
        shutil.copy(self.root / source.lstrip("/"), destination)


def create_workdir(ctx, state):
    state.workdir = Path(tempfile.mkdtemp(prefix=f"{ctx.temporary_name}-"))
    ctx.resources.track("workdir", str(state.workdir),
                        lambda: shutil.rmtree(state.workdir))


def launch_machine(ctx, state):
    state.machine = state.workdir / "machine"
    state.machine.mkdir()
    ctx.resources.track("machine", str(state.machine), lambda: shutil.rmtree(state.machine))
    (state.machine / "content.txt").write_text(ctx.config.content)


def provision(ctx, state):
    run_provisioners(ctx, LocalCommunicator(state.machine), ctx.provisioners)


def save_output(ctx, state):
    state.output = Path(ctx.config.output_dir)
    shutil.copytree(state.machine, state.output)
    ctx.resources.track("output", str(state.output), lambda: shutil.rmtree(state.output),
                        keep_on_success=True)


STEPS = [
    Step("create workdir", create_workdir),
    Step("launch machine", launch_machine),
    Step("provision", provision),
    Step("save output", save_output),
]


class LocalBuilder(Builder):
    """Test-only builder: builds a directory tree on this machine."""

    @hookimpl
    def osc_build_config_schema(self):
        return LocalOptionsSchema

    @hookimpl
    def osc_build_prepare(self, ctx):
        if Path(ctx.config.output_dir).exists():
            raise ConfigError(f"output_dir: {ctx.config.output_dir!r} already exists; "
                              "remove it or choose another path")

    @hookimpl
    def osc_build_run(self, ctx):
        state = run_steps(ctx, STEPS, LocalState())
        return Artifact(builder="fake-local", ids=(("local", str(state.output)),),
                        files=(str(state.output / "content.txt"),))
