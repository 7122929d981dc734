"""A failure at any step of outscale-bsuvolume leaves nothing behind, volumes included."""

from __future__ import annotations

import json

import pytest

from osc_build_bsuvolume.steps import STEPS
from osc_build_outscale.cloud.password import password_wanted
from osc_build_sim.testing import leftovers

from .templates import template

VOLUMES = """
  associate_public_ip_address = true
  bsu_volumes {
    device_name = "/dev/xvdb"
    volume_size = 1
    tags        = { Name = "kept-on-success" }
  }
  bsu_volumes {
    device_name = "/dev/xvdc"
    volume_size = 1
  }
  bsu_volumes {
    device_name           = "/dev/xvdd"
    volume_size           = 1
    delete_on_vm_deletion = true
  }
"""


@pytest.mark.parametrize("step", [s.name for s in STEPS if s.when is not password_wanted])
def test_failure_at_each_step_cleans_up(build, sim, step):
    result = build(template(VOLUMES), env={"OSC_BUILD_FAULT_STEP": step})
    assert result.returncode == 1, result.output
    assert f"step {step!r}: fault injected" in result.stdout
    assert "Traceback" not in result.output
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))


def test_abort_keeps_the_vm_and_its_volumes(build, sim):
    result = build(template(VOLUMES), "-on-error=abort",
                   env={"OSC_BUILD_FAULT_STEP": "terminate the VM"})
    assert result.returncode == 1
    kept = leftovers(sim)
    try:
        [vm_id] = kept["vm"]
        assert f"on-error=abort: left VM {vm_id}" in result.stdout
        detached = [v for v in sim.resources("volume") if not v["LinkedVolumes"]]
        assert len(detached) == 2
        for volume in detached:
            assert f"on-error=abort: left volume {volume['VolumeId']}" in result.stdout
    finally:
        gateway = sim.gateway()
        gateway.DeleteVms(VmIds=kept.get("vm", []))
        addresses = {p["PublicIpId"]: p["PublicIp"] for p in sim.resources("public_ip")}
        for ip in kept.get("public_ip", []):  # the public Cloud needs PublicIp (spec)
            gateway.DeletePublicIp(PublicIp=addresses[ip])
        for group_id in kept.get("security_group", []):
            gateway.DeleteSecurityGroup(SecurityGroupId=group_id)
        for volume in sim.resources("volume"):
            if not volume["LinkedVolumes"] and volume["State"] != "deleting":
                gateway.DeleteVolume(VolumeId=volume["VolumeId"])
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
