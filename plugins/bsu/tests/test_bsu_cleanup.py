"""A failure at any step of outscale-bsu leaves no temporary resource behind."""

from __future__ import annotations

import json

import pytest

from osc_build_bsu.steps import STEPS
from osc_build_outscale.cloud.password import password_wanted
from osc_build_sim.testing import leftovers

TEMPLATE = """
source "outscale-bsu" "main" {
  vm_type  = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator                = "none"
  associate_public_ip_address = true
  omi_name                    = "fault-{{uuid}}"
  omi_regions                 = ["us-east-2"]
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""

# The Windows password step runs only with communicator = "winrm": plugins/windows' e2e tests
# fail at it and check the cleanup.
ALWAYS_RUN = [s.name for s in STEPS if s.name not in ("deregister the old OMI",)
              and s.when is not password_wanted]


@pytest.mark.parametrize("step", ALWAYS_RUN)
def test_failure_at_each_step_cleans_up(build, sim, step):
    images_before = {i["ImageId"] for i in sim.resources("image")}
    result = build(TEMPLATE, env={"OSC_BUILD_FAULT_STEP": step})
    assert result.returncode == 1, result.output
    assert f"step {step!r}: fault injected" in result.stdout
    assert "Traceback" not in result.output
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
    assert {i["ImageId"] for i in sim.resources("image")} == images_before
