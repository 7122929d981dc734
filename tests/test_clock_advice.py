"""A clock 20 minutes off: the simulator refuses the signature (401, Code 1) as OUTSCALE
does, and osc-build says to check the clock, in one line, without a traceback."""

from __future__ import annotations

from osc_build.testing import build_locally
from osc_build_sim.config import default_document
from osc_build_sim.testing import running_simulator

TEMPLATE = """
source "outscale-bsu" "main" {
  source_omi    = "ami-00000000"
  omi_name      = "clock-advice"
  vm_type       = "tinav5.c1r1p2"
  ssh_username  = "outscale"
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""


def test_a_clock_20_minutes_off_gets_the_clock_advice(tmp_path):
    config = default_document()
    config["clock_offset"] = 20 * 60  # the API 20 minutes ahead: this machine 20 minutes late
    with running_simulator(tmp_path / "sim", config=config) as sim:
        result = build_locally(TEMPLATE, sim_data_dir=sim.data_dir, workdir=tmp_path)
        [refusal] = [r for r in sim.requests() if r["status"] == 401]
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert refusal["error_code"] == "1"
    assert "AccessDenied (code 1)" in output
    assert "a system clock more than 5 minutes off is refused: check it" in output
    assert "Traceback" not in output
    assert sim.secret_key not in output
