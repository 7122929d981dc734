"""One simulator with the machine backend and a host VM (this machine) for the chroot tests,
and a helper that runs `osc-build build --local`."""

from __future__ import annotations

from pathlib import Path

import pytest

from osc_build.testing import build_locally
from osc_build_sim.testing import running_simulator

REGION = "us-east-2"  # the region of the official examples' variables file


@pytest.fixture(scope="session")
def sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("chroot-sim"), profile="instant",
                           backend="machine", host_vm="auto",
                           host_vm_region=REGION) as handle:
        yield handle


@pytest.fixture
def build(sim, tmp_path):
    """Run ``osc-build build --local`` on a template text (or a directory); the CLI result."""

    def run(template: str | Path, *args: str, env: dict[str, str] | None = None):
        return build_locally(template, *args, sim_data_dir=sim.data_dir, workdir=tmp_path,
                             env=env)

    return run

