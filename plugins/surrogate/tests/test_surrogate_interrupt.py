"""Ctrl-C while the surrogate's snapshots are being taken deletes them, the VM and its
volumes: nothing of the build is left."""


from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from osc_build_sim.testing import leftovers

TEMPLATE = """
source "outscale-bsusurrogate" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator = "none"
  omi_name     = "interrupted"
  launch_block_device_mappings {
    device_name = "/dev/xvdf"
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


# The build says it waits on the snapshot: its first states are in-queue, then pending.
WAITING = re.compile(r"of /dev/xvdf: (in-queue|pending)")


@pytest.fixture
def hung_snapshots(sim):
    """CreateSnapshot answers, but its snapshots stay pending: the build waits on them."""
    sim.set_faults([{"operation": "CreateSnapshot", "kind": "hang", "rate": 1.0}])
    yield sim
    sim.set_faults([])


def test_interrupt_while_snapshotting_cleans_up(hung_snapshots, tmp_path):
    sim = hung_snapshots
    path = tmp_path / "build.pkr.hcl"
    path.write_text(TEMPLATE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    env["OSC_BUILD_SIM_DATA"] = str(sim.data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "osc_build", "build", "--local", str(path)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    output = []
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        output.append(line)
        if WAITING.search(line) or time.monotonic() > deadline:
            break
    assert any(WAITING.search(line) for line in output), "".join(output)
    [snapshot] = sim.resources("snapshot")[-1:]
    assert snapshot["State"] in ("in-queue", "pending")  # hung before completing
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert time.monotonic() - started < 30
    assert "Traceback" not in stderr
    assert f"deleted snapshot {snapshot['SnapshotId']}" in stderr
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
    assert snapshot["SnapshotId"] not in {s["SnapshotId"] for s in sim.resources("snapshot")}
    assert not [i for i in sim.resources("image") if i["ImageName"] == "interrupted"]
