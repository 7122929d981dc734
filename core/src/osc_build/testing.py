"""Test helpers for osc-build and its plugins; pytest-free, so importing them costs nothing.

``run_osc_build`` runs the real ``osc-build`` command in a subprocess, as a
user would; ``FAKE_PLUGINS`` holds test-only plugin distributions (a working
local builder, a broken one, a duplicate name, hooks) to put on its
``PYTHONPATH``. The fixtures over them are in ``osc_build.pytest_plugin``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FAKE_PLUGINS = Path(__file__).resolve().parent / "testing_data" / "fake-plugins"


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_osc_build(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                  pythonpath: list[Path] | None = None, timeout: float = 120,
                  input: str | None = None) -> CliResult:
    """Run ``python -m osc_build ARGS`` and capture what it prints."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    full_env.update(env or {})
    if pythonpath:
        full_env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    proc = subprocess.run([sys.executable, "-m", "osc_build", *args], capture_output=True,
                          text=True, env=full_env, cwd=cwd, timeout=timeout, input=input)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def build_locally(template: str | Path, *args: str, sim_data_dir: Path, workdir: Path,
                  env: Mapping[str, str] | None = None, timeout: float = 300) -> CliResult:
    """``osc-build build --local`` of a template text (or file) on the simulator whose data
    directory is ``sim_data_dir``; the text is written to ``workdir/build.pkr.hcl``."""
    if isinstance(template, str):
        path = workdir / "build.pkr.hcl"
        path.write_text(template)
    else:
        path = template
    return run_osc_build("build", "--local", *args, str(path), cwd=workdir, timeout=timeout,
                         env={"OSC_BUILD_SIM_DATA": str(sim_data_dir), **(env or {})})


@dataclass
class CapturedBuild:
    """A build context whose UI output is captured: ``captured.output``."""

    ctx: object
    stream: object

    @property
    def output(self) -> str:
        return self.stream.getvalue()


def captured_build(template_dir: Path, name: str = "outscale-bsu.main") -> CapturedBuild:
    """A BuildContext for unit tests of provisioners and communicators."""
    import io

    from osc_build.context import BuildContext
    from osc_build.ui import Ui

    stream = io.StringIO()
    ctx = BuildContext(name=name, builder=name.split(".")[0], config={},
                       ui=Ui(name, stream=stream, color=False), template_dir=template_dir)
    return CapturedBuild(ctx, stream)
