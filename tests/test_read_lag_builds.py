"""Every builder end to end with eventual consistency: reads lag writes by 300 ms.

OUTSCALE's reads may not show a write yet (a LinkVolume, then ReadVolumes without the
link; a new VM not listed). The simulator's ``read_lag`` makes every API read see the
state of 300 ms before; builds must still succeed and leave nothing behind.
"""

from __future__ import annotations

import pytest

from osc_build.testing import build_locally
from osc_build_sim.testing import leftovers, running_simulator

from .reliability.templates import template

LAG_MS = 300
pytestmark = pytest.mark.slow


@pytest.fixture
def lagging_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("lag-sim"), profile="instant",
                           read_lag=LAG_MS) as handle:
        yield handle


@pytest.mark.parametrize("builder", ["outscale-bsu", "outscale-bsuvolume",
                                     "outscale-bsusurrogate"])
def test_builder_succeeds_with_lagging_reads(lagging_sim, tmp_path, builder):
    result = build_locally(template(builder), sim_data_dir=lagging_sim.data_dir,
                           workdir=tmp_path, timeout=300)
    assert result.returncode == 0, result.output
    assert "Traceback" not in result.output
    left = {kind: [i for i in ids if i not in result.stdout]  # the artifact is no leftover
            for kind, ids in leftovers(lagging_sim).items()}
    assert not any(left.values()), (left, result.stdout)


CHROOT = """
source "outscale-chroot" "main" {
  region   = "us-east-2"
  omi_name = "lag-chroot-{{uuid}}"
  source_omi_filter {
    filters     = { image-name = "Debian-12-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
}
build {
  sources = ["source.outscale-chroot.main"]
  provisioner "shell" {
    inline = ["echo provisioned > /etc/lag.txt"]
  }
}
"""


def test_chroot_succeeds_with_lagging_reads(tmp_path_factory, tmp_path):
    from osc_build_chroot.testing import cloud_leftovers, machine_leftovers

    with running_simulator(tmp_path_factory.mktemp("lag-chroot-sim"), profile="instant",
                           backend="machine", host_vm="auto", host_vm_region="us-east-2",
                           read_lag=LAG_MS) as sim:
        result = build_locally(CHROOT, sim_data_dir=sim.data_dir, workdir=tmp_path,
                               timeout=600)
        assert result.returncode == 0, result.output
        assert cloud_leftovers(sim) == {} and machine_leftovers(sim) == []
