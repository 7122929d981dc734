"""outscale-chroot under faults and signals: nothing left in the cloud or on this machine.

The chroot builder runs here, on a host VM the simulator's machine backend makes of
this machine: besides cloud resources it must leave no mount, loop device, device
link or device lock behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osc_build_chroot.steps import STEPS
from osc_build_chroot.testing import cloud_leftovers, machine_leftovers
from osc_build_sim.testing import running_simulator

from .conftest import artifacts_of, cli_build

PLUGIN = Path(__file__).parent / "data" / "signal-plugin"
REGION = "us-east-2"
TEMPLATE = """
source "outscale-chroot" "main" {
  region      = "us-east-2"
  omi_name    = "rel-chroot-{{uuid}}"
  omi_regions = ["eu-west-2"]
%(extra)s
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
}
build {
  sources = ["source.outscale-chroot.main"]
  provisioner "shell" {
    inline = ["echo provisioned > /etc/rel.txt"]
  }
}
"""
SKIPPED = {"deregister the old OMI", "copy a foreign source OMI"}  # need other set-ups

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chroot_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("chroot-sim"), profile="instant",
                           backend="machine", host_vm="auto",
                           host_vm_region=REGION) as handle:
        yield handle


def check(sim, result, before, tally, section):
    counts = tally[section]
    cloud, machine = cloud_leftovers(sim), machine_leftovers(sim)
    counts["chroot_builds"] += 1
    counts["chroot_resources_leaked"] += sum(map(len, cloud.values())) + len(machine)
    assert "Traceback" not in result.output, result.output
    assert cloud == {}, json.dumps(cloud)
    assert machine == []
    if result.returncode != 0:
        assert artifacts_of(sim) == before, "a failed build left OMIs or snapshots"


@pytest.mark.parametrize("rules", [
    pytest.param([{"operation": "*", "kind": "throttle", "rate": 0.2}], id="throttle-20%"),
    pytest.param([{"operation": "CreateSnapshot", "kind": "fail"}], id="snapshot-error"),
])
def test_chroot_under_faults(chroot_sim, tmp_path, rules, tally):
    before = artifacts_of(chroot_sim)
    chroot_sim.set_faults(rules, seed=7)
    try:
        result = cli_build(chroot_sim, tmp_path, TEMPLATE % {"extra": ""}, timeout=300)
    finally:
        chroot_sim.set_faults([])
    tally["faults"]["builds"] += 1
    tally["faults"]["succeeded" if result.returncode == 0 else "failed_cleanly"] += 1
    if rules[0]["kind"] in ("throttle", "server-error"):
        assert result.returncode == 0, result.output
    else:
        assert result.returncode == 1, result.output
        assert "--> outscale-chroot.main: " in result.stdout
    check(chroot_sim, result, before, tally, "faults")


# SIGINT at every step; SIGTERM (the same unwinding, a chroot build costs seconds) at a few.
SIGTERM_AT = ("check credentials", "mount the chroot's file systems", "provision",
              "register the OMI")
SIGNALS = ([pytest.param(s.name, "SIGINT", id=f"{s.name}-SIGINT") for s in STEPS
            if s.name not in SKIPPED]
           + [pytest.param(name, "SIGTERM", id=f"{name}-SIGTERM") for name in SIGTERM_AT])


@pytest.mark.parametrize(("step", "signame"), SIGNALS)
def test_chroot_signal_at_step_boundary(chroot_sim, tmp_path, step, signame, tally):
    before = artifacts_of(chroot_sim)
    result = cli_build(chroot_sim, tmp_path, TEMPLATE % {"extra": ""}, timeout=300, env={
        "PYTHONPATH": str(PLUGIN), "OSC_BUILD_REL_SIGNAL": f"{step}|{signame}|0"})
    tally["interrupts"]["builds"] += 1
    assert f"signal-plugin: sent {signame} at {step}" in result.stderr, result.output
    assert result.returncode == 1, result.output
    assert "Interrupted." in result.stderr
    check(chroot_sim, result, before, tally, "interrupts")
    tally["interrupts"]["cleaned_up"] += 1
