"""outscale-chroot under faults and signals: nothing left in the cloud or on this machine.

The chroot builder runs here, on a host VM the simulator's machine backend makes of
this machine: besides cloud resources it must leave no mount, loop device, device
link or device lock behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osc_build.testing import run_osc_build
from osc_build_chroot.steps import STEPS
from osc_build_chroot.testing import cloud_leftovers, machine_leftovers
from osc_build_sim.testing import running_simulator

from .conftest import artifacts_of, cli_build
from .test_leftovers import inventory

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


# SIGKILL (nothing unwinds), then `osc-build leftovers --delete`: a subset of the boundaries
# (a chroot build holds the machine-wide lock), one per kind of state a chroot build is in:
# volume created; linked to this VM; mounted here; all mounts made; snapshot; OMI.
SIGKILL_AT = ("link the volume", "mount the volume", "mount the chroot's file systems",
              "provision", "register the OMI", "copy the OMI to other regions")


@pytest.mark.parametrize("step", SIGKILL_AT)
def test_chroot_sigkill_then_leftovers_delete(chroot_sim, tmp_path, step, tally):
    before, artifacts = inventory(chroot_sim), artifacts_of(chroot_sim)
    result = cli_build(chroot_sim, tmp_path, TEMPLATE % {"extra": ""}, timeout=300, env={
        "PYTHONPATH": str(PLUGIN), "OSC_BUILD_REL_SIGNAL": f"{step}|SIGKILL|0"})
    assert result.returncode == -9, result.output
    counts = tally["chroot_leftovers"]
    counts["sigkill_builds"] += 1
    left, machine = inventory(chroot_sim) - before, machine_leftovers(chroot_sim)
    counts["resources_left_by_sigkill"] += len(left)  # with a volume linked to this VM
    counts["machine_leftovers_by_sigkill"] += len(machine)  # mounts here
    assert left, f"the build left nothing to delete: {result.output}"
    deleted = run_osc_build("leftovers", "--local", "--delete", "--yes", input="",
                            env={"OSC_BUILD_SIM_DATA": str(chroot_sim.data_dir)}, timeout=300)
    assert deleted.returncode == 0, deleted.output
    if step in ("mount the chroot's file systems", "provision"):  # mounted here: unmounted
        assert machine and "--> mount " in deleted.stdout, (machine, deleted.output)
    assert inventory(chroot_sim) - before == set(), deleted.output
    check(chroot_sim, deleted, before, tally, "chroot_leftovers")
    assert artifacts_of(chroot_sim) == artifacts, deleted.output
    counts["resources_deleted_by_leftovers"] += len(left)
    counts["sigkill_builds_cleaned"] += 1
