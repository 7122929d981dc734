"""A simulator shared by the bsuvolume tests, and a helper that runs `osc-build build --local`."""

from __future__ import annotations

import pytest

from osc_build.testing import build_locally
from osc_build_sim.testing import running_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant") as handle:
        yield handle


@pytest.fixture
def build(sim, tmp_path):
    """Run ``osc-build build --local`` on a template text; return the CLI result."""

    def run(template: str, *args: str, env: dict[str, str] | None = None):
        return build_locally(template, *args, sim_data_dir=sim.data_dir, workdir=tmp_path,
                             env=env)

    return run


@pytest.fixture
def delete_volumes(sim):
    """Delete the volumes a test made on purpose, so that the next test starts clean."""
    yield
    gateway = sim.gateway()
    for volume in sim.resources("volume"):
        if volume["State"] != "deleting":  # a deleted VM's volumes go by themselves
            gateway.DeleteVolume(VolumeId=volume["VolumeId"])
