"""``osc-build leftovers`` after builds that died: SIGKILL at every step of each builder
(from the first that makes anything).

Nothing a killed build made may escape it: every resource the simulator holds
after the kill that it did not hold before is listed (attributed by its tags),
and ``--delete`` leaves the simulator as it was. Resources osc-build did not
create, even named like ours, are never listed nor deleted; an OMI a build kept
is not a leftover; a run in progress is not touched unless named.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import oos_client, tags_of

from .conftest import cli_build
from .templates import template
from .test_interrupts import COPY, PLUGIN, REPLACE, STEPS

KINDS = {"vm": "VmId", "volume": "VolumeId", "snapshot": "SnapshotId", "image": "ImageId",
         "keypair": "KeypairName", "security_group": "SecurityGroupId",
         "public_ip": "PublicIpId"}
GONE = {"terminated", "deleting"}

pytestmark = pytest.mark.slow


def inventory(sim) -> set[tuple[str, str, str]]:
    """(region, kind, id) of every live resource of every Region: what must come back."""
    found = set()
    for kind, key in KINDS.items():
        for doc in sim.resources(kind):
            if doc.get("State") not in GONE:
                found.add((doc.get("_region", ""), kind, doc[key]))
    return found


def leftovers_cli(sim, *args: str, cwd=None, env: dict | None = None):
    return run_osc_build("leftovers", "--local", *args, cwd=cwd, input="",
                         env={"OSC_BUILD_SIM_DATA": str(sim.data_dir), **(env or {})},
                         timeout=180)


def listed(sim, *args: str, env: dict | None = None) -> dict:
    result = leftovers_cli(sim, "--json", *args, env=env)
    assert result.returncode == 0, result.output
    return json.loads(result.stdout)


def listed_ids(doc: dict) -> set[str]:
    return {r["id"] for run in doc["runs"] for r in run["resources"]}


def source(builder: str, step: str) -> str:
    """The builder's template, with what makes ``step`` run. The copy to another Region
    stops at its boundary: past it, a copy fails on the simulator, whose Regions have an
    account each (the copy needs the destination's keys), and the build never gets further.
    """
    if builder == "outscale-bsuvolume":
        return template(builder)
    extra = {"copy the OMI to other regions": COPY, "create the keypair": COPY,
             "deregister the old OMI": REPLACE}
    return template(builder, extra=extra.get(step, ""))


def killed_build(sim, tmp_path, builder, step):
    """What the simulator held before the build, and the build killed at ``step``."""
    text = source(builder, step)
    if "force_deregister" in text:  # an OMI of the same name to replace, kept
        text = text.replace('omi_name = "rel-{{uuid}}"', f'omi_name = "rel-{tmp_path.name}"')
        first = cli_build(sim, tmp_path, text)
        assert first.returncode == 0, first.output
    before = inventory(sim)
    return before, cli_build(sim, tmp_path, text, env={
        "PYTHONPATH": str(PLUGIN), "OSC_BUILD_REL_SIGNAL": f"{step}|SIGKILL|0"})


FIRST_MAKER = "create the keypair"  # each builder's first step that makes anything


def kill_points(steps) -> list[str]:
    """Every step boundary from the first step that makes anything on. The steps before it
    only check and read: a SIGKILL at one of their boundaries leaves a part of what one at
    FIRST_MAKER's leaves, once they have all run (omi_regions set: every check runs)."""
    names = [step.name for step in steps]
    return names[names.index(FIRST_MAKER):]


@pytest.mark.parametrize(("builder", "step"), [
    pytest.param(builder, step, id=f"{builder}-{step}")
    for builder, steps in STEPS.items() for step in kill_points(steps)])
def test_sigkill_at_each_step_then_leftovers_delete(sim, tmp_path, builder, step, tally):
    before, result = killed_build(sim, tmp_path, builder, step)
    counts = tally["leftovers"]
    counts["sigkill_builds"] += 1
    assert result.returncode == -9, result.output
    assert f"signal-plugin: sent SIGKILL at {step}" in result.stderr, result.output
    left = inventory(sim) - before
    counts["resources_left_by_sigkill"] += len(left)
    doc = listed(sim)
    assert {ident for _region, _kind, ident in left} <= listed_ids(doc), (left, doc)
    for run in doc["runs"]:
        assert run["builder"] == builder and not run["in_progress"], run
        assert run["build"] == f"{builder}.main" and run["host"] == socket.gethostname()
    deleted = leftovers_cli(sim, "--delete", "--yes")
    assert deleted.returncode == 0, deleted.output
    assert "Traceback" not in deleted.output
    counts["resources_deleted_by_leftovers"] += len(left)
    assert inventory(sim) - before == set(), deleted.output
    assert before <= inventory(sim), "leftovers deleted something that existed before"
    assert listed(sim)["runs"] == []
    counts["sigkill_builds_cleaned"] += 1


# (builder, step, the create call on the wire when the build dies, what it made)
ON_THE_WIRE = [
    ("outscale-bsusurrogate", "snapshot the volumes", "CreateSnapshot", "snapshot"),
    ("outscale-bsu", "create the OMI", "CreateImage", "image"),
    ("outscale-bsusurrogate", "register the OMI", "CreateImage", "image"),
    ("outscale-bsusurrogate", "launch the VM", "CreateVms", "vm"),
    ("outscale-bsu", "create the security group", "CreateSecurityGroup", "security_group"),
    ("outscale-bsu", "create the public IP", "CreatePublicIp", "public_ip"),
]


@pytest.mark.parametrize(("builder", "step", "operation", "kind"), ON_THE_WIRE,
                         ids=[f"{b}-{op}" for b, _s, op, _k in ON_THE_WIRE])
def test_sigkill_while_a_create_call_is_on_the_wire(sim, tmp_path, tally, builder, step,
                                                    operation, kind):
    """The load test's lost snapshot, made deterministic: the cloud made the resource, the
    build died before the answer came (no id tracked, no tag). The journal's intent (a
    ClientToken, or an OMI's name and sources) finds it."""
    before = inventory(sim)
    sim.set_faults([{"operation": operation, "kind": "late-answer", "ms": 8000}])
    try:  # the step's calls before the create take well under 2 s; its answer takes 8 s
        result = cli_build(sim, tmp_path, template(builder), env={
            "PYTHONPATH": str(PLUGIN), "OSC_BUILD_REL_SIGNAL": f"{step}|SIGKILL|2"})
    finally:
        sim.set_faults([])
    assert result.returncode == -9, result.output
    left = inventory(sim) - before
    made = [ident for _r, k, ident in left if k == kind]
    assert made, f"the {operation} call did not reach the simulator: {result.output}"
    for doc in sim.resources(kind):
        if doc[KINDS[kind]] in made:  # the window: made, never tagged
            assert "osc-build:run-id" not in tags_of(doc), doc
    assert {ident for _r, _k, ident in left} <= listed_ids(listed(sim)), left
    deleted = leftovers_cli(sim, "--delete", "--yes")
    assert deleted.returncode == 0, deleted.output
    assert inventory(sim) - before == set(), deleted.output
    tally["leftovers"]["sigkill_on_the_wire_builds_cleaned"] += 1
    tally["leftovers"]["resources_left_by_sigkill"] += len(left)
    tally["leftovers"]["resources_deleted_by_leftovers"] += len(left)


def test_sigkill_during_the_copy_through_oos_leaves_nothing_in_oos(sim, tmp_path, tally):
    """omi_regions: killed with the OMI exported to a temporary bucket and its import on
    the wire; leftovers deletes the bucket, its objects and the half-imported OMI too."""
    s3 = oos_client(sim, sim.region)  # where the export goes

    def in_oos() -> dict[str, list[str]]:
        return {b["Name"]: [o["Key"] for o in s3.list_objects_v2(Bucket=b["Name"]).get(
            "Contents") or []] for b in s3.list_buckets().get("Buckets") or []}

    before, oos_before = inventory(sim), in_oos()
    sim.set_faults([{"operation": "CreateImage", "kind": "late-answer", "ms": 5000}])
    try:
        result = cli_build(sim, tmp_path, template("outscale-bsu", extra=COPY), env={
            "PYTHONPATH": str(PLUGIN),
            "OSC_BUILD_REL_SIGNAL": "copy the OMI to other regions|SIGKILL|3"})
    finally:
        sim.set_faults([])
    assert result.returncode == -9, result.output
    left_in_oos = {bucket: keys for bucket, keys in in_oos().items()
                   if bucket not in oos_before}
    assert left_in_oos and all(left_in_oos.values()), (left_in_oos, result.output)
    doc = listed(sim)
    kinds = {(r["kind"], r["region"]) for run in doc["runs"] for r in run["resources"]}
    assert ("OOS bucket", sim.region) in kinds and ("OMI", "us-east-2") in kinds, doc
    deleted = leftovers_cli(sim, "--delete", "--yes")
    assert deleted.returncode == 0, deleted.output
    assert inventory(sim) - before == set(), deleted.output
    assert in_oos() == oos_before, deleted.output
    tally["leftovers"]["sigkill_oos_buckets_deleted"] += len(left_in_oos)


def test_buckets_named_like_ours_without_our_marker_are_never_listed(sim):
    s3 = oos_client(sim, sim.region)
    name = "osc-build-0123456789ab-deadbeef"  # a run's name, but not a run's bucket
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": sim.region})
    s3.put_object(Bucket=name, Key="osc-build-0123456789ab/image.qcow2", Body=b"theirs")
    try:
        assert listed(sim)["runs"] == []
        assert leftovers_cli(sim, "--delete", "--yes").returncode == 0
        assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 1
    finally:
        s3.delete_object(Bucket=name, Key="osc-build-0123456789ab/image.qcow2")
        s3.delete_bucket(Bucket=name)


def test_exports_left_in_the_users_bucket_are_found_by_journal_and_marker(sim, tmp_path):
    """omi_export_bucket: the objects are in the user's bucket. A dead build's journal
    names bucket and prefix; only a prefix holding that run's marker is deleted."""
    from osc_build_outscale.cloud import oos

    s3 = oos_client(sim, sim.region)
    bucket, run_id = "users-exports", "abcabcabcabc"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": sim.region})
    ours, theirs = "omis/ami-11111111/", "omis/ami-22222222/"
    for prefix in (ours, theirs):
        s3.put_object(Bucket=bucket, Key=f"{prefix}disk.qcow2.gz", Body=b"disk")
    oos.write_marker(s3, bucket, ours, {
        "osc-build:run-id": run_id, "osc-build:temporary": "true",
        "osc-build:builder": "outscale-bsu", "osc-build:created": stamp(30)})
    journal = tmp_path / "runs" / f"{run_id}.jsonl"  # as a build killed mid-copy leaves it
    journal.parent.mkdir()
    lines = [{"run_id": run_id, "builder": "outscale-bsu", "build": "outscale-bsu.main",
              "host": socket.gethostname(), "pid": 2 ** 22 + 1},  # no such process
             *({"kind": "exported objects", "id": f"{bucket}/{p}", "region": sim.region}
               for p in (ours, theirs))]  # (theirs: a journal cannot vouch alone)
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines))
    cache = {"PACKER_CACHE_DIR": str(tmp_path)}
    try:
        [run] = listed(sim, env=cache)["runs"]
        assert [(r["kind"], r["id"]) for r in run["resources"]] == [
            ("exported objects", f"{bucket}/{ours}")], run
        assert leftovers_cli(sim, "--delete", "--yes", env=cache).returncode == 0
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents") or []]
        assert keys == [f"{theirs}disk.qcow2.gz"]
        assert not journal.exists(), "the cleaned run's journal stays"
    finally:
        oos.delete_bucket(s3, bucket)


def test_resources_not_created_by_osc_build_are_never_listed(sim, tmp_path, tally):
    gateway = sim.gateway()
    name = "osc-build-0123456789ab"  # like ours: osc-build-<run id>
    gateway.CreateKeypair(KeypairName=name)
    group = gateway.CreateSecurityGroup(SecurityGroupName=name,
                                        Description="not osc-build's")["SecurityGroup"]
    volume = gateway.CreateVolume(SubregionName=f"{sim.region}a", Size=1)["Volume"]
    # A run-id tag alone (a user copying our tags by hand, or a kept artifact) is not enough.
    gateway.CreateTags(ResourceIds=[volume["VolumeId"], group["SecurityGroupId"]],
                       Tags=[{"Key": "osc-build:run-id", "Value": "0123456789ab"},
                             {"Key": "Name", "Value": name}])
    try:
        before = inventory(sim)
        assert listed(sim)["runs"] == []
        result = leftovers_cli(sim, "--delete", "--yes")
        assert result.returncode == 0, result.output
        assert "No leftovers" in result.stdout
        assert inventory(sim) == before
        tally["leftovers"]["foreign_resources_untouched"] += 3
    finally:
        gateway.DeleteKeypair(KeypairName=name)
        gateway.DeleteSecurityGroup(SecurityGroupId=group["SecurityGroupId"])
        gateway.DeleteVolume(VolumeId=volume["VolumeId"])


@pytest.mark.parametrize("builder", list(STEPS))
def test_a_kept_artifact_is_not_a_leftover(sim, tmp_path, builder):
    before = inventory(sim)
    # Beats every 0.2 s: none may land on the artifact, before or after its marks go.
    result = cli_build(sim, tmp_path, template(builder),
                       env={"OSC_BUILD_HEARTBEAT_INTERVAL": "0.2"})
    assert result.returncode == 0, result.output
    assert listed(sim)["runs"] == []
    new = inventory(sim) - before
    assert new, "the build kept nothing"
    assert leftovers_cli(sim, "--delete", "--yes").returncode == 0
    assert new <= inventory(sim), "leftovers --delete deleted an artifact"
    for kind in ("image", "snapshot", "volume"):
        for doc in sim.resources(kind):
            if (doc.get("_region", ""), kind, doc[KINDS[kind]]) in new:
                assert "osc-build:temporary" not in tags_of(doc), doc
                assert "osc-build:heartbeat" not in tags_of(doc), doc


def test_a_run_in_progress_is_only_deleted_when_named(sim):
    gateway = sim.gateway()
    run_id = "feedfacecafe"
    group = gateway.CreateSecurityGroup(SecurityGroupName=f"osc-build-{run_id}",
                                        Description="a build in progress")["SecurityGroup"]
    tags = {"osc-build:run-id": run_id, "osc-build:temporary": "true",
            "osc-build:builder": "outscale-bsu", "osc-build:host": socket.gethostname(),
            "osc-build:pid": str(os.getpid()),  # alive: this very test
            "osc-build:created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    gateway.CreateTags(ResourceIds=[group["SecurityGroupId"]],
                       Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    [run] = listed(sim)["runs"]
    assert run["run_id"] == run_id and run["in_progress"]
    text = leftovers_cli(sim)
    assert "in progress: not deleted unless named with --run-id" in text.stdout
    assert leftovers_cli(sim, "--delete", "--yes").returncode == 0
    assert listed(sim)["runs"], "a run in progress was deleted"
    assert listed(sim, "--older-than", "1h")["runs"] == []
    assert leftovers_cli(sim, "--delete", "--yes", "--run-id", run_id).returncode == 0
    assert listed(sim)["runs"] == []


def stamp(minutes_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_run_elsewhere_is_in_progress_while_its_heartbeat_is_fresh(sim):
    """Another machine's build: its process cannot be seen, its heartbeat can."""
    gateway = sim.gateway()
    run_id = "beefbeefbeef"
    group = gateway.CreateSecurityGroup(SecurityGroupName=f"osc-build-{run_id}",
                                        Description="a build on another machine")
    group_id = group["SecurityGroup"]["SecurityGroupId"]

    def tag(**tags: str) -> None:
        gateway.CreateTags(ResourceIds=[group_id],
                           Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    tag(**{"osc-build:run-id": run_id, "osc-build:temporary": "true",
           "osc-build:builder": "outscale-bsu", "osc-build:host": "ci-runner-elsewhere",
           "osc-build:pid": "4242", "osc-build:created": stamp(120),  # a long build
           "osc-build:heartbeat": stamp(1)})
    [run] = listed(sim)["runs"]
    assert run["run_id"] == run_id and run["in_progress"], run
    assert "last heartbeat 1m ago" in leftovers_cli(sim).stdout
    assert leftovers_cli(sim, "--delete", "--yes").returncode == 0
    assert listed_ids(listed(sim)) == {group_id}, "a live run elsewhere was deleted"
    tag(**{"osc-build:heartbeat": stamp(20)})  # silent for 20 min: dead
    assert not listed(sim)["runs"][0]["in_progress"]
    assert listed(sim, "--heartbeat-timeout", "30m")["runs"][0]["in_progress"]
    deleted = leftovers_cli(sim, "--delete", "--yes")
    assert deleted.returncode == 0, deleted.output
    assert listed(sim)["runs"] == []
    assert not [g for g in sim.resources("security_group") if g["SecurityGroupId"] == group_id]


def test_a_running_build_beats_and_a_dead_one_here_is_deleted_at_once(sim, tmp_path):
    """The build refreshes its heartbeat (one CreateTags per beat for the run); killed on
    this machine, its fresh heartbeat does not protect it: its process is gone."""
    import time

    before = inventory(sim)
    since = len(sim.requests())
    # The OMI's creation answers after 4 s: the build is killed 3 s into it, beating.
    sim.set_faults([{"operation": "CreateImage", "kind": "late-answer", "ms": 4000}])
    start = time.monotonic()
    try:
        result = cli_build(sim, tmp_path, template("outscale-bsu"), env={
            "OSC_BUILD_HEARTBEAT_INTERVAL": "0.3", "PYTHONPATH": str(PLUGIN),
            "OSC_BUILD_REL_SIGNAL": "create the OMI|SIGKILL|3"})
    finally:
        sim.set_faults([])
    elapsed = time.monotonic() - start
    assert result.returncode == -9, result.output
    beats = {}
    for kind in ("vm", "security_group", "public_ip"):  # what the build tracks by id
        for doc in sim.resources(kind):
            tags = tags_of(doc)
            if (doc.get("State") not in GONE and tags
                    and (doc.get("_region", ""), kind, doc[KINDS[kind]]) not in before):
                beats[f"{kind} {doc[KINDS[kind]]}"] = tags
    assert beats and all(t.get("osc-build:heartbeat", "") >= t["osc-build:created"]
                         for t in beats.values()), (beats, result.output)
    tag_calls = [r for r in sim.requests()[since:] if r["operation"] == "CreateTags"]
    # The marks (keypair, IP, group, VM and volumes, VM names) and one call per beat at most.
    assert len(tag_calls) <= 6 + elapsed / 0.3, (len(tag_calls), elapsed)
    [run] = listed(sim)["runs"]
    assert not run["in_progress"], run
    assert leftovers_cli(sim, "--delete", "--yes").returncode == 0
    assert inventory(sim) - before == set()


def test_a_failed_cleanup_prints_the_leftovers_command_that_finishes_it(sim, tmp_path, tally):
    # 501: not retried, so the delete fails at once, as a refusal would.
    sim.set_faults([{"operation": "DeleteSecurityGroup", "kind": "server-error", "status": 501}])
    try:
        result = cli_build(sim, tmp_path, template("outscale-bsu"), env={
            "PYTHONPATH": str(PLUGIN), "OSC_BUILD_REL_SIGNAL": "stop the VM|SIGINT|0"})
    finally:
        sim.set_faults([])
    assert result.returncode == 1, result.output
    assert "Could not delete these temporary resources" in result.output, result.output
    line = next(x for x in result.output.splitlines() if "To delete them later:" in x)
    command = line.split("To delete them later: ", 1)[1].split()
    assert command[:2] == ["osc-build", "leftovers"] and "--local" in command, line
    assert listed(sim)["runs"], "the leak is not listed"
    finished = run_osc_build(*command[1:], "--yes", input="",
                             env={"OSC_BUILD_SIM_DATA": str(sim.data_dir)})
    assert finished.returncode == 0, finished.output
    assert listed(sim)["runs"] == []
    tally["leftovers"]["failed_cleanups_finished_by_command"] += 1


@pytest.mark.parametrize(("args", "fragment"), [
    (["--older-than", "soon"], "'soon' is not a duration"),
    (["--delete"], "add --yes"),
    (["--yes"], "--yes only makes sense with --delete"),
    (["--region", "mars-1"], "no such Region"),
])
def test_bad_command_lines_make_no_cloud_call(sim, args, fragment):
    requests = len(sim.requests())
    result = leftovers_cli(sim, *args)
    assert result.returncode == 1, result.output
    assert fragment in result.stderr and "Error:" in result.stderr, result.output
    assert "Traceback" not in result.output
    assert len(sim.requests()) == requests


LOAD_BUILDS = 20


def test_load_parallel_builds_under_throttling_one_in_four_killed(sim, tmp_path, tally):
    """20 builds at once, 20 % of calls throttled, 5 killed with SIGKILL at a random step
    (a random moment into it): after ``leftovers --delete`` only the artifacts of the builds
    that finished remain, every OMI intact."""
    import random
    import subprocess
    import sys

    chance = random.Random(22)
    builders = list(STEPS)
    doomed = set(chance.sample(range(LOAD_BUILDS), LOAD_BUILDS // 4))
    before = inventory(sim)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    env["OSC_BUILD_SIM_DATA"] = str(sim.data_dir)
    sim.set_faults([{"operation": "*", "kind": "throttle", "rate": 0.2}], seed=22)
    procs = []
    try:
        for index in range(LOAD_BUILDS):
            workdir = tmp_path / f"build-{index}"
            workdir.mkdir()
            path = workdir / "build.pkr.hcl"
            path.write_text(template(builders[index % len(builders)]))
            kill = {}
            if index in doomed:  # after its step starts (0 to 0.5 s into it), from inside
                step = chance.choice(STEPS[builders[index % len(builders)]][1:]).name
                kill = {"PYTHONPATH": str(PLUGIN),
                        "OSC_BUILD_REL_SIGNAL": f"{step}|SIGKILL|{chance.uniform(0, 0.5):.2f}"}
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "osc_build", "build", "--local", "-color=false",
                 str(path)], cwd=workdir, env={**env, **kill}, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        outputs = [proc.communicate(timeout=600)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        sim.set_faults([])
    codes = [proc.returncode for proc in procs]
    # Finished: a kill 0.5 s into the last step may come once the build has finished.
    survivors = [i for i, out in enumerate(outputs) if "artifacts of successful builds" in out]
    # 20 % of calls throttled: now and then one call meets 5 throttles in a row (0.2^5 per
    # call, a few hundred calls) and its build gives up, as designed, with the clear error.
    gave_up = {i for i, out in enumerate(outputs)
               if codes[i] == 1 and "the API is throttling requests" in out}
    for index, code in enumerate(codes):
        assert code == 0 or (index in doomed and code == -9) or index in gave_up, outputs[index]
    counts = tally["load"]
    counts["builds"] += LOAD_BUILDS
    counts["killed"] += sum(code == -9 for code in codes)
    counts["completed"] += len(survivors)
    counts["gave_up_under_throttling"] += len(gave_up)
    left = inventory(sim) - before
    counts["resources_before_leftovers"] += len(left)
    result = leftovers_cli(sim, "--delete", "--yes")
    assert result.returncode == 0, result.output
    remaining = inventory(sim) - before
    counts["resources_deleted_by_leftovers"] += len(left - remaining)
    kept_images = {ident for _r, kind, ident in remaining if kind == "image"}
    assert len(kept_images) == sum(1 for i in survivors
                                   if builders[i % len(builders)] != "outscale-bsuvolume")
    artifacts = set()
    for image in sim.resources("image"):
        if image["ImageId"] in kept_images:
            assert image["State"] == "available", image
            artifacts |= {m["Bsu"]["SnapshotId"] for m in image["BlockDeviceMappings"]
                          if (m.get("Bsu") or {}).get("SnapshotId")}
    kept_volumes = {ident for _r, kind, ident in remaining if kind == "volume"}
    assert len(kept_volumes) == sum(1 for i in survivors
                                    if builders[i % len(builders)] == "outscale-bsuvolume")
    expected = ({("image", i) for i in kept_images} | {("snapshot", s) for s in artifacts}
                | {("volume", v) for v in kept_volumes})
    extra = {(kind, ident) for _r, kind, ident in remaining} - expected
    extra_docs = [doc for kind, key in KINDS.items() for doc in sim.resources(kind)
                  if (kind, doc[key]) in extra]
    if extra and os.environ.get("OSC_BUILD_LOAD_DUMP"):  # a file to study a rare failure
        Path(os.environ["OSC_BUILD_LOAD_DUMP"]).write_text(json.dumps(
            {"extra": extra_docs, "leftovers": result.output, "outputs": outputs,
             "doomed": sorted(doomed), "sim_data": str(sim.data_dir)}, indent=1, default=str))
    assert not extra, ("temporary resources remain", extra_docs, result.output,
                       [(i, codes[i], outputs[i][-1500:]) for i in sorted(doomed)])
    assert {(kind, ident) for _r, kind, ident in remaining} == expected
    counts["temporary_resources_remaining"] += 0
    counts["surviving_omis_intact"] += len(kept_images)
