"""A simulator whose VMs are real (sandboxed, reachable over SSH on loopback), shared by the
end-to-end tests of this module, and a private TMPDIR per build to see what is left in it."""

from __future__ import annotations

import pytest

from osc_build_sim.testing import running_simulator


@pytest.fixture(scope="module")
def machine_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine") as handle:
        yield handle


@pytest.fixture
def build_tmp(tmp_path):
    """The TMPDIR of the build: osc-build's and Ansible's temporary files go there."""
    path = tmp_path / "build-tmp"
    path.mkdir()
    return path
