"""A failure at any step of outscale-bsusurrogate leaves no temporary resource behind:
no VM, volume, keypair, group or IP, and no snapshot or OMI of the failed build."""

from __future__ import annotations

import json

import pytest

from osc_build_outscale.cloud.password import password_wanted
from osc_build_sim.testing import leftovers
from osc_build_surrogate.steps import STEPS

TEMPLATE = """
source "outscale-bsusurrogate" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator                = "none"
  associate_public_ip_address = true
  omi_name                    = "fault-{{uuid}}"
  omi_regions                 = ["us-east-2"]
  force_deregister            = %(force)s
  tags                        = { Name = "fault" }
  snapshot_account_ids        = ["111122223333"]
  launch_block_device_mappings {
    device_name           = "/dev/xvdf"
    volume_size           = 2
    delete_on_vm_deletion = false
  }
  launch_block_device_mappings {
    device_name = "/dev/xvdg"
    volume_size = 1
  }
  omi_root_device {
    source_device_name = "/dev/xvdf"
    device_name        = "/dev/sda1"
  }
}
build {
  sources = ["source.outscale-bsusurrogate.main"]
}
"""


@pytest.mark.parametrize("step", [s.name for s in STEPS if s.when is not password_wanted])
def test_failure_at_each_step_cleans_up(build, sim, step):
    images_before = {i["ImageId"] for i in sim.resources("image")}
    snapshots_before = {s["SnapshotId"] for s in sim.resources("snapshot")}
    force = "true" if step == "deregister the old OMI" else "false"
    result = build(TEMPLATE % {"force": force}, env={"OSC_BUILD_FAULT_STEP": step})
    assert result.returncode == 1, result.output
    assert f"step {step!r}: fault injected" in result.stdout
    assert "Traceback" not in result.output
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
    assert {i["ImageId"] for i in sim.resources("image")} == images_before
    assert {s["SnapshotId"] for s in sim.resources("snapshot")} == snapshots_before


def test_a_failed_snapshot_deletes_the_others(build, sim):
    snapshots_before = {s["SnapshotId"] for s in sim.resources("snapshot")}
    sim.set_faults([{"operation": "CreateSnapshot", "kind": "fail", "rate": 1.0}])
    try:
        result = build(TEMPLATE % {"force": "false"})
    finally:
        sim.set_faults([])
    assert result.returncode == 1, result.output
    assert "snapshot" in result.output and "Traceback" not in result.output
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
    assert {s["SnapshotId"] for s in sim.resources("snapshot")} == snapshots_before
