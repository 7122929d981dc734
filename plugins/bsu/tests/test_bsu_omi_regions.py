"""omi_regions on the simulator with three Regions: export to OOS, import with each Region's
own keys; the copies boot with what the build provisioned; nothing temporary is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from osc_build.testing import build_locally, run_osc_build
from osc_build_sim.config import default_document
from osc_build_sim.testing import (
    booted_vm,
    leftovers,
    oos_leftovers,
    region_credentials,
    region_gateway,
    running_simulator,
)

REGIONS = {"eu-west-2": {"subregions": ["a"]}, "us-east-2": {"subregions": ["a"]},
           "ap-northeast-1": {"subregions": ["a"]}}
OTHERS = ["us-east-2", "ap-northeast-1"]

# The minimal image: what is checked (export, imports, the copies boot with the provisioned
# file) does not depend on the OS; a Debian guest costs more (four systemd boots).
TEMPLATE = """
source "outscale-bsu" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  ssh_username                = "outscale"
  associate_public_ip_address = true
  omi_name                    = "%(name)s"
  omi_regions                 = ["us-east-2", "ap-northeast-1"]
  tags                        = { Name = "copied" }
  omi_account_ids             = ["111122223333"]
%(extra)s
}
build {
  sources = ["source.outscale-bsu.main"]
  provisioner "shell" {
    inline = ["echo provisioned | sudo tee /etc/regions-marker"]
  }
  post-processor "manifest" {
    output = "manifest.json"
  }
}
"""


def three_regions() -> dict:
    """The simulator's configuration with REGIONS, each with an account of its own."""
    document = default_document()
    document["regions"] = REGIONS
    document["accounts"] = [a for a in document["accounts"] if a.get("region") in REGIONS]
    return document


@pytest.fixture(scope="module")
def machine_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine", config=three_regions()) as handle:
        yield handle


def images_named(sim, name: str) -> dict[str, dict]:
    return {i["region"]: i for i in sim.resources("image") if i["ImageName"] == name}


@pytest.mark.slow
def test_three_regions_three_bootable_omis_and_nothing_left(machine_sim, tmp_path):
    result = build_locally(TEMPLATE % {"name": "three-regions", "extra": ""},
                           "-machine-readable", sim_data_dir=machine_sim.data_dir,
                           workdir=tmp_path, timeout=600)
    assert result.returncode == 0, result.output
    made = images_named(machine_sim, "three-regions")
    assert sorted(made) == sorted(REGIONS)
    ids = {region: image["ImageId"] for region, image in made.items()}
    # The artifact, -machine-readable and the manifest list every Region's OMI.
    artifact_id = ",".join(f"{region}:{ids[region]}" for region in ["eu-west-2", *OTHERS])
    machine_id = artifact_id.replace(",", "%!(PACKER_COMMA)")  # Packer's escape
    assert f",artifact,0,id,{machine_id}\n" in result.stdout, result.stdout
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["builds"][-1]["artifact_id"] == artifact_id
    # Progress of the export and of each import was shown.
    assert "100%" in result.stdout and "import of" in result.stdout
    # What the build Region gets, every copy gets: tags, launch permissions.
    for region in OTHERS:
        image = made[region]
        assert {t["Key"]: t["Value"] for t in image["Tags"]} == {"Name": "copied"}
        assert image["PermissionsToLaunch"]["AccountIds"] == ["111122223333"]
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
    assert all(not keys for keys in oos_leftovers(machine_sim).values()), oos_leftovers(
        machine_sim)
    assert not any("/osc-build-" in bucket for bucket in oos_leftovers(machine_sim))
    # No secret key of any Region in the output.
    for region in REGIONS:
        assert region_credentials(machine_sim, region)[1] not in result.output
    for region, image_id in ids.items():
        with booted_vm(machine_sim, image_id, gateway=region_gateway(machine_sim, region),
                       timeout=120) as vm:
            marker = vm.run("cat /etc/regions-marker", hide=True, in_stream=False).stdout
        assert marker == "provisioned\n", region
    assert leftovers(machine_sim) == {}


def profiles_file(sim, tmp_path, wrong: str) -> str:
    """~/.osc/config.json with one profile per Region, named after it; ``wrong``'s key is bad."""
    profiles = {}
    for region in REGIONS:
        access_key, secret_key = region_credentials(sim, region)
        profiles[region] = {"access_key": access_key,
                            "secret_key": "not-the-key" if region == wrong else secret_key,
                            "region": region, "endpoints": {"api": sim.regions[region]}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(profiles))
    return str(path)


@pytest.mark.slow
def test_a_wrong_key_for_one_region_fails_before_any_vm(machine_sim, tmp_path):
    config = profiles_file(machine_sim, tmp_path, wrong="ap-northeast-1")
    oos = ", ".join(f'"{r}" = "{url}"' for r, url in machine_sim.oos_endpoints.items())
    text = TEMPLATE % {"name": "wrong-key", "extra": f'  profile = "eu-west-2"\n'
                       f'  oos_endpoints = {{ {oos} }}\n'}
    (tmp_path / "build.pkr.hcl").write_text(text)
    before = len(machine_sim.requests())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    result = run_osc_build("build", "build.pkr.hcl", cwd=tmp_path, timeout=120,
                           env={**env, "OSC_CONFIG_FILE": config})
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    assert "ap-northeast-1 (credentials from profile 'ap-northeast-1'" in result.output
    assert "us-east-2 (" not in result.output  # the good Region is not blamed
    assert "not-the-key" not in result.output
    operations = {r["operation"] for r in machine_sim.requests()[before:]}
    assert not operations & {"CreateVms", "CreateKeypair", "CreateSecurityGroup",
                             "CreateImageExportTask"}, operations
    assert not images_named(machine_sim, "wrong-key")


@pytest.fixture(scope="module")
def slow_sim(tmp_path_factory):
    """Exports and imports that last seconds, so that a build can be interrupted in each."""
    with running_simulator(tmp_path_factory.mktemp("slow-sim"), profile="instant",
                           config={**three_regions(),
                                   "timings": {"export": 4.0, "image_import": 4.0}}) as handle:
        yield handle


INTERRUPTED = """
source "outscale-bsu" "main" {
  vm_type                     = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Debian-12-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator                = "none"
  omi_name                    = "%s"
  omi_regions                 = ["us-east-2", "ap-northeast-1"]
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["export", "import of"])
def test_ctrl_c_during_the_copy_leaves_nothing(slow_sim, tmp_path, moment):
    name = f"interrupted-{moment.split()[0]}"
    path = tmp_path / "build.pkr.hcl"
    path.write_text(INTERRUPTED % name)
    proc, _ = run_until(path, slow_sim, f"{moment} ", also=": pending")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert leftovers(slow_sim) == {}, json.dumps(leftovers(slow_sim))
    assert not images_named(slow_sim, name)
    assert not [s for s in slow_sim.resources("snapshot")
                if s.get("Description", "").startswith("Imported from")]
    assert all(not keys for keys in oos_leftovers(slow_sim).values()), oos_leftovers(slow_sim)
    tasks = slow_sim.resources("image_export_task")
    assert all(t["State"] in ("completed", "cancelled") for t in tasks), tasks


def run_until(path, sim, wanted: str, also: str = "") -> tuple[subprocess.Popen, list[str]]:
    """Start ``osc-build build --local`` and read its output up to a line with ``wanted``
    (and ``also``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    env["OSC_BUILD_SIM_DATA"] = str(sim.data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "osc_build", "build", "--local", str(path)],
                            env=env, cwd=path.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    output = []
    for line in proc.stdout:
        output.append(line)
        if wanted in line and also in line:
            break
    assert any(wanted in line for line in output), "".join(output)
    return proc, output


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["delete", "keep"])
def test_failed_imports_are_named_and_the_policy_decides_what_stays(slow_sim, tmp_path,
                                                                    policy):
    name = f"import-fails-{policy}"
    path = tmp_path / "build.pkr.hcl"
    path.write_text((INTERRUPTED % name).replace(
        "  communicator", f'  omi_regions_on_failure = "{policy}"\n  communicator'))
    proc, _ = run_until(path, slow_sim, "through OOS")
    slow_sim.set_faults([{"operation": "CreateImage", "kind": "fail"}])  # the imports only
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        slow_sim.set_faults([])
    err = out + err
    assert proc.returncode == 1, out + err
    assert "Traceback" not in err
    assert "the copy failed in 2 Region(s)" in err
    for region in OTHERS:
        assert f"  {region}: the import of ami-" in err, err
    made = images_named(slow_sim, name)
    if policy == "keep":
        assert list(made) == ["eu-west-2"]
        kept = made["eu-west-2"]["ImageId"]
        assert f'Kept (omi_regions_on_failure = "keep"): eu-west-2: {kept}' in err
    else:
        assert made == {}
        assert 'omi_regions_on_failure = "keep" keeps those already made' in err
    assert leftovers(slow_sim) == {}, json.dumps(leftovers(slow_sim))
    assert not [s for s in slow_sim.resources("snapshot")
                if s.get("Description", "").startswith("Imported from")]
    assert not any(oos_leftovers(slow_sim).values()), oos_leftovers(slow_sim)


@pytest.fixture(scope="module")
def instant_sim(tmp_path_factory):
    """Three Regions, no VM and instant copies: for what does not interrupt a copy."""
    with running_simulator(tmp_path_factory.mktemp("instant-sim"), profile="instant",
                           config=three_regions()) as handle:
        yield handle


@pytest.mark.slow
def test_force_deregister_replaces_the_copies_in_every_region(instant_sim, tmp_path):
    sim = instant_sim
    name = "replaced-everywhere"
    text = (INTERRUPTED % name).replace("  communicator", "  force_deregister = true\n"
                                        "  force_delete_snapshot = true\n  communicator")
    first = build_locally(text, sim_data_dir=sim.data_dir, workdir=tmp_path)
    assert first.returncode == 0, first.output
    old = {region: image["ImageId"] for region, image in images_named(sim, name).items()}
    assert sorted(old) == sorted(REGIONS)
    again = build_locally(text, sim_data_dir=sim.data_dir, workdir=tmp_path)
    assert again.returncode == 0, again.output
    new = {region: image["ImageId"] for region, image in images_named(sim, name).items()}
    assert sorted(new) == sorted(REGIONS)
    assert not set(new.values()) & set(old.values())
    for region in OTHERS:
        assert f"Deregistering existing OMI {old[region]} ({name}) in {region}" in again.stdout
    assert len([i for i in sim.resources("image") if i["ImageName"] == name]) == 3
