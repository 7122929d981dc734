"""A failure at any step, or Ctrl-C, leaves no mount, loop device, device link or lock
here, and no temporary resource in the simulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from osc_build_chroot.steps import STEPS

from .helpers import chrooted_processes, cloud_leftovers, machine_leftovers
from .vms import gateway

pytestmark = pytest.mark.slow

TEMPLATE = """
source "outscale-chroot" "main" {
  region   = "us-east-2"
  omi_name = "chroot-fault-{{uuid}}"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  post_mount_commands = ["true {{.MountPath}}"]
}
build {
  sources = ["source.outscale-chroot.main"]
  provisioner "shell" {
    inline = ["echo SLEEP > /etc/fault.txt", "SLEEP"]
  }
}
"""

SKIPPED = ("deregister the old OMI",  # only with force_deregister
           "check the other Regions")  # only with omi_regions: tests/reliability/test_chroot.py


def _artifacts(sim) -> tuple[set[str], set[str]]:
    gw = gateway(sim)
    return ({i["ImageId"] for i in gw.ReadImages(Filters={"AccountIds": [sim.account_id]})
             ["Images"]},
            {s["SnapshotId"] for s in gw.ReadSnapshots()["Snapshots"]})


@pytest.mark.parametrize("step", [s.name for s in STEPS if s.name not in SKIPPED])
def test_failure_at_each_step_cleans_up(build, sim, step):
    before = _artifacts(sim)
    result = build(TEMPLATE.replace("SLEEP", "true"), env={"OSC_BUILD_FAULT_STEP": step})
    assert result.returncode == 1, result.output
    assert f"step {step!r}: fault injected" in result.stdout
    assert "Traceback" not in result.output
    assert machine_leftovers(sim) == []
    assert cloud_leftovers(sim) == {}, json.dumps(cloud_leftovers(sim))
    assert _artifacts(sim) == before


def test_failing_provisioner_cleans_up(build, sim):
    before = _artifacts(sim)
    result = build(TEMPLATE.replace("SLEEP", "false"))
    assert result.returncode == 1, result.output
    assert "Unmounting" not in result.stdout  # the failure path unwinds, no early cleanup
    assert machine_leftovers(sim) == []
    assert cloud_leftovers(sim) == {}, json.dumps(cloud_leftovers(sim))
    assert _artifacts(sim) == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_during_a_chroot_command_cleans_up(sim, tmp_path, signum):
    path = tmp_path / "build.pkr.hcl"
    path.write_text(TEMPLATE.replace("SLEEP", "sleep 600"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    env["OSC_BUILD_SIM_DATA"] = str(sim.data_dir)
    before = _artifacts(sim)
    proc = subprocess.Popen([sys.executable, "-m", "osc_build", "build", "--local", str(path)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    output = []
    for line in proc.stdout:
        output.append(line)
        if "sleep 600" in line or "Provisioning with shell" in line:
            break
    time.sleep(1)  # the sleep runs inside the chroot now
    assert machine_leftovers(sim), "".join(output)  # mounted, linked
    assert chrooted_processes(["sleep", "600"]), "".join(output)  # the command runs
    started = time.monotonic()
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert time.monotonic() - started < 30
    assert "Traceback" not in stderr
    assert "deleted volume" in stderr
    assert machine_leftovers(sim) == []
    assert cloud_leftovers(sim) == {}, json.dumps(cloud_leftovers(sim))
    assert _artifacts(sim) == before
    assert chrooted_processes(["sleep", "600"]) == []

