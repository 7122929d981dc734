"""Shared pieces of the reliability suite: simulators, a CLI build helper, the report.

Every test records what it measured with the ``tally`` fixture; at the end of the
session the counts are merged into ``benchmarks/reliability.json``, one section per
aspect, and only for aspects whose tests all ran (see ``tally.py``): running one file
or one test leaves the other sections, and its own if partial, as they were.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from osc_build.testing import CliResult, run_osc_build
from osc_build_sim.testing import leftovers, running_simulator

from .tally import Tally

REPORT = Path(__file__).resolve().parents[2] / "benchmarks" / "reliability.json"
# The files whose tests feed each section: it is written when all of their tests ran.
SECTION_FILES = {
    "bad_input": ("test_bad_input.py",),
    "faults": ("test_faults.py", "test_chroot.py"),
    "interrupts": ("test_interrupts.py", "test_chroot.py"),
    "leftovers": ("test_leftovers.py",),
    "chroot_leftovers": ("test_chroot.py",),
    "load": ("test_leftovers.py",),
    "on_error": ("test_on_error.py",),
    "secrets": ("test_secrets.py",),
    "simulator_crash": ("test_sim_crash.py",),
}


def pytest_configure(config):
    if not config.pluginmanager.has_plugin(Tally.name):
        config.pluginmanager.register(Tally(REPORT, SECTION_FILES, Path(__file__).parent),
                                      Tally.name)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.reliability)


@pytest.fixture(scope="session")
def tally(pytestconfig) -> dict[str, Counter]:
    """``tally["faults"]["builds"] += 1``: counts for benchmarks/reliability.json."""
    return pytestconfig.pluginmanager.get_plugin(Tally.name).counts


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    """An instant simulator shared by a module; tests reset its faults."""
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant") as handle:
        yield handle
        handle.set_faults([])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    env.update(extra)
    return env


def cli_build(sim, tmp_path: Path, template: str, *args: str, env: dict | None = None,
              timeout: float = 90, input: str | None = None,
              before: tuple[str, ...] = ()) -> CliResult:
    """``osc-build BEFORE build --local ARGS TEMPLATE`` against ``sim``, in a subprocess."""
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template)
    return run_osc_build(*before, "build", "--local", *args, str(path), cwd=tmp_path,
                         env={"OSC_BUILD_SIM_DATA": str(sim.data_dir), **(env or {})},
                         timeout=timeout, input=input)


def delete_everything(sim) -> None:
    """What a kept build left, deleted as a user would (dependents first)."""
    gateway = sim.gateway()
    kept = leftovers(sim)
    if kept.get("vm"):
        gateway.DeleteVms(VmIds=kept["vm"])
    for name in kept.get("keypair", []):
        gateway.DeleteKeypair(KeypairName=name)
    addresses = {p["PublicIpId"]: p["PublicIp"] for p in sim.resources("public_ip")}
    for ip in kept.get("public_ip", []):  # the public Cloud needs PublicIp (spec)
        gateway.DeletePublicIp(PublicIp=addresses[ip])
    deadline = time.monotonic() + 30
    while leftovers(sim).get("volume") and time.monotonic() < deadline:
        time.sleep(0.1)
    for group in kept.get("security_group", []):
        gateway.DeleteSecurityGroup(SecurityGroupId=group)
    assert leftovers(sim) == {}


def artifacts_of(sim) -> tuple[set[str], set[str]]:
    """Ids of every image and snapshot, to tell new ones from old ones."""
    return ({i["ImageId"] for i in sim.resources("image")},
            {s["SnapshotId"] for s in sim.resources("snapshot")})


class OnTerminal:
    """``osc-build`` with a pseudo-terminal for stdin, stdout and stderr: it can be asked."""

    def __init__(self, args: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.primary, secondary = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "osc_build", *args], stdin=secondary,
                                     stdout=secondary, stderr=secondary, cwd=cwd, env=env)
        os.close(secondary)
        self.output = ""

    def read_until(self, text: str, timeout: float = 60) -> bool:
        """Read until ``text`` shows (True) or the process ends or time runs out (False)."""
        deadline = time.monotonic() + timeout
        while text not in self.output and time.monotonic() < deadline:
            ready, _, _ = select.select([self.primary], [], [], 0.1)
            if not ready:
                if self.proc.poll() is not None:
                    return text in self.output
                continue
            try:
                chunk = os.read(self.primary, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            self.output += chunk.decode(errors="replace")
        return text in self.output

    def write(self, text: str) -> None:
        os.write(self.primary, text.encode())

    def finish(self, timeout: float = 60) -> int:
        self.read_until("\0never\0", timeout)
        os.close(self.primary)
        return self.proc.wait(timeout=10)
