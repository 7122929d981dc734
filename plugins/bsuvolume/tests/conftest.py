"""A simulator shared by the bsuvolume tests, and a helper that runs `osc-build build --local`."""

from __future__ import annotations

import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import running_simulator


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant") as handle:
        yield handle


@pytest.fixture
def build(sim, tmp_path):
    """Run ``osc-build build --local`` on a template text; return the CLI result."""

    def run(template: str, *args: str, env: dict[str, str] | None = None):
        path = tmp_path / "build.pkr.hcl"
        path.write_text(template)
        return run_osc_build("build", "--local", *args, str(path), cwd=tmp_path,
                             env={"OSC_BUILD_SIM_DATA": str(sim.data_dir), **(env or {})},
                             timeout=300)

    return run


@pytest.fixture
def delete_volumes(sim):
    """Delete the volumes a test made on purpose, so that the next test starts clean."""
    yield
    gateway = sim.gateway()
    for volume in sim.resources("volume"):
        gateway.DeleteVolume(VolumeId=volume["VolumeId"])
