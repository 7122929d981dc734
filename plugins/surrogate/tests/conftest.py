"""A null-backend simulator shared by a module's tests, and `osc-build build --local`."""

from __future__ import annotations

from pathlib import Path

import pytest

from osc_build.testing import build_locally
from osc_build_sim.testing import running_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant") as handle:
        yield handle


def build_on(sim, template: str, directory: Path, *args: str,
             env: dict[str, str] | None = None, timeout: float = 300):
    """Run ``osc-build build --local`` on a template text against ``sim``."""
    return build_locally(template, *args, sim_data_dir=sim.data_dir, workdir=directory,
                         env=env, timeout=timeout)


@pytest.fixture
def build(sim, tmp_path):
    def run(template: str, *args: str, env: dict[str, str] | None = None):
        return build_on(sim, template, tmp_path, *args, env=env)

    return run
