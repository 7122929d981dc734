"""`osc-build build --local` with no simulator running starts one whose host VM (this
machine) is in the builds' region, so the official example runs unchanged."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from osc_build.testing import run_osc_build

from .helpers import EXAMPLES, MOUNT_ROOT

pytestmark = pytest.mark.slow


def test_official_example_on_a_simulator_started_by_the_build(tmp_path):
    data_dir = tmp_path / "sim"
    work = tmp_path / "example"
    work.mkdir()
    shutil.copy(EXAMPLES / "osc-chroot.pkr.hcl", work)
    shutil.copy(EXAMPLES / "variables.auto.pkrvars.hcl", work)
    try:
        result = run_osc_build("build", "--local", str(work), cwd=tmp_path,
                               env={"OSC_BUILD_SIM_DATA": str(data_dir)}, timeout=300)
        assert result.returncode == 0, result.output
        assert "Starting the local OUTSCALE simulator" in result.stdout
        assert "us-east-2: ami-" in result.stdout
        state = json.loads((data_dir / "state.json").read_text())
        assert state["metadata_url"].startswith("http://127.")
    finally:
        subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir", str(data_dir),
                        "stop"], capture_output=True, timeout=60)
    with open("/proc/mounts") as mounts:
        assert MOUNT_ROOT not in mounts.read()
