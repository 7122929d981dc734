"""Ctrl-C while the kept volumes are being detached deletes the VM and the volumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from osc_build_sim.config import default_document
from osc_build_sim.testing import leftovers, running_simulator

from .templates import template

UNLINK_SECONDS = 2.0
VOLUMES = """
  bsu_volumes {
    device_name = "/dev/xvdb"
    volume_size = 1
  }
  bsu_volumes {
    device_name = "/dev/xvdc"
    volume_size = 1
  }
"""


@pytest.fixture(scope="module")
def slow_unlink_sim(tmp_path_factory):
    config = {**default_document(), "timings": {"volume_unlink": UNLINK_SECONDS}}
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           config=config) as handle:
        yield handle


@pytest.mark.slow
def test_interrupt_while_detaching_deletes_everything(slow_unlink_sim, tmp_path):
    sim = slow_unlink_sim
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template(VOLUMES))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    env["OSC_BUILD_SIM_DATA"] = str(sim.data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "osc_build", "build", "--local", str(path)],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    output = []
    for line in proc.stdout:
        output.append(line)
        if "Detaching volume" in line and "(/dev/xvdc)" in line:
            break
    assert any("(/dev/xvdc)" in line for line in output), "".join(output)
    deadline = time.monotonic() + UNLINK_SECONDS / 2  # the line comes just before the call
    while len(_detaching(sim)) < 2:
        assert time.monotonic() < deadline, json.dumps(sim.resources("volume"))
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "deleted volume" in stderr and "deleted VM" in stderr
    assert leftovers(sim) == {}, stderr + json.dumps(sim.resources("volume"))
    assert all(v["State"] == "terminated" for v in sim.resources("vm"))


def _detaching(sim) -> list[dict]:
    return [v for v in sim.resources("volume")
            if v["LinkedVolumes"] and v["LinkedVolumes"][0]["State"] == "detaching"]
