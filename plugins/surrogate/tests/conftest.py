"""A null-backend simulator shared by a module's tests, and `osc-build build --local`."""

from __future__ import annotations

from pathlib import Path

import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import running_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant") as handle:
        yield handle


def build_on(sim, template: str, directory: Path, *args: str,
             env: dict[str, str] | None = None, timeout: float = 300):
    """Run ``osc-build build --local`` on a template text against ``sim``."""
    path = directory / "build.pkr.hcl"
    path.write_text(template)
    return run_osc_build("build", "--local", *args, str(path), cwd=directory,
                         env={"OSC_BUILD_SIM_DATA": str(sim.data_dir), **(env or {})},
                         timeout=timeout)


@pytest.fixture
def build(sim, tmp_path):
    def run(template: str, *args: str, env: dict[str, str] | None = None):
        return build_on(sim, template, tmp_path, *args, env=env)

    return run
