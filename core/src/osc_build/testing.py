"""pytest fixtures for osc-build and its plugins (enabled with ``-p osc_build.testing``).

``run_cli`` runs the real ``osc-build`` command in a subprocess, as a user
would; ``fake_plugins`` puts the test-only plugin distributions (a working
local builder, a broken one, a duplicate name, hooks) on its ``PYTHONPATH``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

FAKE_PLUGINS = Path(__file__).resolve().parents[2] / "tests" / "data" / "fake-plugins"


def pytest_configure(config: pytest.Config) -> None:
    """Tests keep what osc-build caches (spec, parser, parse trees) out of the user's home."""
    import tempfile

    config._osc_build_cache = tempfile.TemporaryDirectory(prefix="osc-build-test-cache-")
    config._osc_build_saved_cache_home = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = config._osc_build_cache.name


def pytest_unconfigure(config: pytest.Config) -> None:
    saved = getattr(config, "_osc_build_saved_cache_home", None)
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved
    cache = getattr(config, "_osc_build_cache", None)
    if cache is not None:
        cache.cleanup()


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


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    """Run the ``osc-build`` command in a subprocess: ``run_cli("plugins")``."""
    return run_osc_build


@pytest.fixture
def fake_plugins() -> Path:
    """The directory holding the fake third-party plugin distributions."""
    if not FAKE_PLUGINS.is_dir():
        pytest.fail(f"fake plugins not found at {FAKE_PLUGINS}: run from a source checkout")
    return FAKE_PLUGINS


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
