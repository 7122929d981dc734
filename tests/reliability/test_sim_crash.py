"""kill -9 of the simulator in the middle of a build, then a restart: the build goes on."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from osc_build_sim.config import default_document
from osc_build_sim.testing import leftovers, running_simulator

from .conftest import clean_env
from .templates import BUILDERS, template

TIMINGS = {"vm_boot": 3, "vm_stop": 1, "snapshot": 1, "image": 1, "volume_create": 1}
# When to crash: a line the build prints while it waits on the cloud.
CRASH_AT = "waiting for it to run"

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("builder", BUILDERS)
def test_build_survives_a_simulator_crash(tmp_path, builder, tally):
    with running_simulator(tmp_path / "sim", profile="instant",
                           config={**default_document(), "timings": TIMINGS}) as sim:
        path = tmp_path / "build.pkr.hcl"
        path.write_text(template(builder))
        proc = subprocess.Popen([sys.executable, "-m", "osc_build", "build", "--local",
                                 str(path)], cwd=tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True,
                                env=clean_env(OSC_BUILD_SIM_DATA=str(sim.data_dir)))
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if CRASH_AT in line:
                break
        assert any(CRASH_AT in line for line in lines), "".join(lines)
        vms_before = {v["VmId"]: v["State"] for v in sim.resources("vm")}
        sim.kill()  # SIGKILL, mid-wait
        time.sleep(1.0)
        sim.restart()
        vms_after = {v["VmId"]: v["State"] for v in sim.resources("vm")}
        rest, stderr = proc.communicate(timeout=120)
        output = "".join(lines) + rest + stderr
        tally["simulator_crash"]["builds"] += 1
        tally["simulator_crash"]["retries"] += stderr.count("retrying in")
        # No state lost: every VM is still there (booting goes on after the restart).
        assert set(vms_before) <= set(vms_after), (vms_before, vms_after)
        assert "Traceback" not in output
        leaked = leftovers(sim)
        if builder == "outscale-bsuvolume" and proc.returncode == 0:
            kept = {v for v in leaked.get("volume", [])}
            assert kept and all(v in rest for v in kept), output
            leaked.pop("volume")
        assert leaked == {}, json.dumps(leaked)
        tally["simulator_crash"]["completed" if proc.returncode == 0 else "cleaned_up"] += 1
        assert proc.returncode == 0, output
