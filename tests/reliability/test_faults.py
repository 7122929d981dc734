"""Builds under simulator fault profiles: each succeeds or fails clearly, and leaks nothing."""

from __future__ import annotations

import json
import re
import time
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from osc_build.testing import CliResult
from osc_build_sim.config import default_document
from osc_build_sim.testing import leftovers, running_simulator

from .conftest import artifacts_of, cli_build
from .templates import BUILDERS, template

# name -> (fault rules, whether the build must succeed)
PROFILES = {
    "throttle-20%": ([{"operation": "*", "kind": "throttle", "rate": 0.2}], True),
    "throttle-503-20%": ([{"operation": "*", "kind": "throttle", "code": 6, "rate": 0.2}], True),
    "5xx-10%": ([{"operation": "*", "kind": "server-error", "rate": 0.1}], True),
    "vm-never-boots": ([{"operation": "CreateVms", "kind": "hang"}], False),
    "vm-fails": ([{"operation": "CreateVms", "kind": "fail"}], False),
    "snapshot-error": ([{"operation": "CreateSnapshot", "kind": "fail"}], None),
    "image-fails": ([{"operation": "CreateImage", "kind": "fail"}], None),
    "volume-fails": ([{"operation": "CreateVolume", "kind": "fail"}], None),
}
# SSH refused for 30 s after boot: machine-backend VMs (real SSH) that refuse connections
# (TCP reset) for that long after they start, as while a real VM boots.
SSH_DELAY = 30
NO_SSH = 'communicator                = "none"'
WITH_SSH = 'communicator = "ssh"\n  ssh_username = "outscale"\n  ssh_timeout  = "3m"'
SSH_PROVISIONER = 'provisioner "shell" {\n    inline = ["echo provisioned over ssh"]\n  }'
# Slow transitions: a simulator of its own whose boots, snapshots and images take seconds.
SLOW_TIMINGS = {"vm_boot": 2, "vm_stop": 1, "vm_terminate": 1, "volume_create": 1,
                "snapshot": 1, "image": 1}

pytestmark = pytest.mark.slow


def check_build(sim, tmp_path, builder, must_succeed, tally, profile, env=None, text=None,
                timeout=90):
    images, snapshots = artifacts_of(sim)
    result = cli_build(sim, tmp_path, text or template(builder), env=env, timeout=timeout)
    sim.set_faults([])  # the checks and the test's own cleanup meet no fault
    counts = tally["faults"]
    counts["builds"] += 1
    new_images, new_snapshots = (after - before for after, before
                                 in zip(artifacts_of(sim), (images, snapshots), strict=True))
    leaked = leftovers(sim)
    if result.returncode == 0 and builder == "outscale-bsuvolume":
        kept = artifact_volumes(result.stdout)
        assert kept, result.stdout
        leaked = without_volumes(leaked, kept)
        delete_volumes(sim, kept)
    counts["resources_leaked"] += sum(len(ids) for ids in leaked.values())
    assert "Traceback" not in result.output, result.output
    if result.returncode == 0:
        counts["succeeded"] += 1
        assert must_succeed is not False, f"{profile}: the build should fail\n{result.output}"
    else:
        assert must_succeed is not True, f"{profile}: the build failed\n{result.output}"
        assert result.returncode == 1
        # The one-line reason, in the Packer-style summary.
        assert f"--> {builder}.main: " in result.stdout, result.output
        assert not new_images, f"failed build left OMIs {new_images}"
        assert not new_snapshots, f"failed build left snapshots {new_snapshots}"
        counts["failed_cleanly"] += 1
    assert leaked == {}, json.dumps(leaked)
    return result


def artifact_volumes(stdout: str) -> set[str]:
    """The volumes a bsuvolume build keeps: its artifact, named on the last lines."""
    artifact = stdout.rpartition("The artifacts of successful builds are:")[2]
    return set(re.findall(r"vol-[0-9a-f]+", artifact))


def without_volumes(leaked: dict, kept: set[str]) -> dict:
    rest = [v for v in leaked.get("volume", []) if v not in kept]
    return {**{k: v for k, v in leaked.items() if k != "volume"}, **({"volume": rest} if rest
                                                                     else {})}


def delete_volumes(sim, volume_ids: set[str]) -> None:
    gateway = sim.gateway()
    for volume_id in volume_ids:
        gateway.DeleteVolume(VolumeId=volume_id)
    deadline = time.monotonic() + 30
    while {v["VolumeId"] for v in sim.resources("volume")} & volume_ids:
        assert time.monotonic() < deadline, "the artifact volumes were not deleted"
        time.sleep(0.1)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("builder", BUILDERS)
def test_build_under_faults(sim, tmp_path, builder, profile, tally):
    rules, must_succeed = PROFILES[profile]
    sim.set_faults(rules, seed=zlib.crc32(f"{builder} {profile}".encode()))
    try:
        result = check_build(sim, tmp_path, builder, must_succeed, tally, profile,
                             env={"OSC_BUILD_WAIT_TIMEOUT": "3"})
    finally:
        sim.set_faults([])
    tally["faults"]["retries"] += result.stderr.count("retrying in")
    if profile.startswith("throttle"):
        assert "retrying in" in result.stderr, result.stderr  # faults were met and retried


@pytest.fixture(scope="module")
def slow_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("slow-sim"), profile="instant",
                           config={**default_document(), "timings": SLOW_TIMINGS}) as handle:
        yield handle


@pytest.mark.parametrize("builder", BUILDERS)
def test_build_with_slow_transitions(slow_sim, tmp_path, builder, tally):
    result = check_build(slow_sim, tmp_path, builder, True, tally, "slow")
    assert "Builds finished" in result.stdout


def ssh_template(builder: str) -> str:
    """The builder's reliability template, connecting over SSH and provisioning."""
    text = template(builder, build_body=SSH_PROVISIONER)
    assert NO_SSH in text
    return text.replace(NO_SSH, WITH_SSH)


def build_when_ssh_is_refused(tmp_path, builder: str) -> tuple[CliResult, float, Counter]:
    """One build on a machine-backend simulator of its own whose VMs refuse SSH for 30 s."""
    work = tmp_path / builder
    work.mkdir()
    counts = {"faults": Counter()}
    with running_simulator(work / "sim", profile="instant", backend="machine",
                           ssh_delay=SSH_DELAY) as sim:
        started = time.monotonic()
        result = check_build(sim, work, builder, True, counts, "ssh-refused-30s",
                             text=ssh_template(builder), timeout=240)
        return result, time.monotonic() - started, counts["faults"]


def test_builds_when_ssh_is_refused_for_30s_after_boot(tmp_path, tally):
    """Every cloud builder connects over SSH (chroot does not): the three at once, on
    simulators of their own, so the suite waits 30 s once rather than three times."""
    with ThreadPoolExecutor(len(BUILDERS)) as pool:
        futures = {builder: pool.submit(build_when_ssh_is_refused, tmp_path, builder)
                   for builder in BUILDERS}
    for builder, future in futures.items():
        result, elapsed, counts = future.result()
        tally["faults"].update(counts)
        tally["faults"]["ssh_refused_builds"] += 1
        assert elapsed >= SSH_DELAY, f"{builder} did not wait for SSH ({elapsed:.0f} s)"
        out = result.stdout
        waiting, connected = "Waiting for SSH to become available...", "Connected to SSH!"
        assert waiting in out and connected in out, result.output
        assert out.index(waiting) < out.index(connected) < out.index("provisioned over ssh")
        assert "Builds finished" in out
