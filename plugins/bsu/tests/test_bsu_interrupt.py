"""Ctrl-C (or SIGTERM) while a bsu build waits for SSH deletes everything it made."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from osc_build_sim.testing import leftovers

TEMPLATE = """
source "outscale-bsu" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  ssh_username                = "outscale"
  ssh_timeout                 = "5m"
  associate_public_ip_address = true
  omi_name                    = "interrupted"
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_while_waiting_for_ssh_cleans_up(sim, tmp_path, signum):
    # The null backend boots no SSH server: the build waits for SSH until interrupted.
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
        if "Waiting for SSH" in line or time.monotonic() > deadline:
            break
    assert any("Waiting for SSH" in line for line in output), "".join(output)
    assert leftovers(sim)  # the VM, keypair, group and IP exist now
    time.sleep(0.5)
    started = time.monotonic()
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert time.monotonic() - started < 30
    assert "Traceback" not in stderr
    assert "deleted VM" in stderr and "deleted keypair" in stderr
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
    assert not [i for i in sim.resources("image") if i["ImageName"] == "interrupted"]
