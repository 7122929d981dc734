"""The README's first command: the quickstart builds on the local simulator, and its
image boots with what the build installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import booted_vm, leftovers, running_simulator

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def machine_sim(tmp_path_factory):
    # The official examples boot Ubuntu or Rocky Linux, which cannot boot on this machine (no
    # reachable archive): they test the builder, so they may boot the minimal image instead.
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine", stand_in_image="Minimal-Host-Userland") as handle:
        yield handle


@pytest.mark.slow
def test_quickstart_image_has_the_file_and_the_user(machine_sim, tmp_path):
    result = run_osc_build("build", "--local", "-var", "omi_name=quickstart-e2e",
                           str(ROOT / "examples" / "quickstart.pkr.hcl"), cwd=tmp_path,
                           env={"OSC_BUILD_SIM_DATA": str(machine_sim.data_dir)}, timeout=300)
    assert result.returncode == 0, result.output
    assert "built by osc-build" in result.stdout  # the provisioner's output, streamed
    [image] = [i for i in machine_sim.resources("image") if i["ImageName"] == "quickstart-e2e"]
    assert f"eu-west-2: {image['ImageId']}" in result.stdout
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))

    with booted_vm(machine_sim, image["ImageId"]) as vm:
        motd = vm.run("cat /etc/quickstart-motd", hide=True, in_stream=False).stdout
        user = vm.run("id -un quickstart && test -d /home/quickstart", hide=True,
                      in_stream=False).stdout
    assert motd == "built by osc-build\n"
    assert user == "quickstart\n"
    assert leftovers(machine_sim) == {}

    # The README's way to get a shell in the new image.
    shell = subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir",
                            str(machine_sim.data_dir), "ssh", image["ImageId"], "id -un; cat",
                            "/etc/quickstart-motd"], capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout == "outscale\nbuilt by osc-build\n"
    assert leftovers(machine_sim) == {}


ANCHOR_EXAMPLES = ROOT / "tests" / "data" / "anchor-examples"  # official, unchanged


@pytest.mark.slow
def test_official_bsu_example_runs_unchanged(machine_sim, tmp_path):
    assert ANCHOR_EXAMPLES.is_dir(), f"the official examples are expected in {ANCHOR_EXAMPLES}"
    result = run_osc_build("build", "--local", "-var-file=variables.auto.pkrvars.hcl",
                           "osc-bsu.pkr.hcl", cwd=ANCHOR_EXAMPLES,
                           env={"OSC_BUILD_SIM_DATA": str(machine_sim.data_dir)}, timeout=300)
    assert result.returncode == 0, result.output
    [image] = [i for i in machine_sim.resources("image")
               if i["ImageName"].startswith("packer-example-") and i["region"] == "us-east-2"]
    assert f"us-east-2: {image['ImageId']}" in result.stdout
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
    # force_deregister = true: a second run replaces the OMI instead of failing.
    again = run_osc_build("build", "--local", "-var-file=variables.auto.pkrvars.hcl",
                          "-var", f"omi_name={image['ImageName']}", "osc-bsu.pkr.hcl",
                          cwd=ANCHOR_EXAMPLES,
                          env={"OSC_BUILD_SIM_DATA": str(machine_sim.data_dir)}, timeout=300)
    assert again.returncode == 0, again.output
    assert [i["ImageId"] for i in machine_sim.resources("image")
            if i["ImageName"] == image["ImageName"]] != [image["ImageId"]]


DATA_SOURCE_TEMPLATE = """
data "outscale-omi" "debian" {
  filters     = { image-name = "Debian-12-*" }
  owners      = ["Outscale"]
  most_recent = true
}

source "outscale-bsu" "main" {
  vm_type         = "tinav7.c1r1p1"
  source_omi      = data.outscale-omi.debian.id
  ssh_username    = "outscale"
  omi_name        = "from-a-data-source"
  skip_create_omi = true
}

build {
  sources = ["source.outscale-bsu.main"]
  provisioner "shell" {
    inline = ["echo built from ${data.outscale-omi.debian.name}"]
  }
}
"""


@pytest.mark.slow
def test_data_sources_ask_the_simulator_under_local(machine_sim, tmp_path):
    (tmp_path / "t.pkr.hcl").write_text(DATA_SOURCE_TEMPLATE)
    before = len(machine_sim.requests())
    # The credentials and endpoint of the environment (another account) must not be used.
    result = run_osc_build("build", "--local", "t.pkr.hcl", cwd=tmp_path, timeout=300,
                           env={"OSC_BUILD_SIM_DATA": str(machine_sim.data_dir),
                                "OSC_ACCESS_KEY": "AKREALACCOUNT0000001",
                                "OSC_SECRET_KEY": "real-secret-never-used",
                                "OSC_ENDPOINT_API": "http://127.0.0.1:9/api/v1"})  # not the sim
    assert result.returncode == 0, result.output
    debian = {i["ImageName"] for i in machine_sim.resources("image")
              if i["ImageName"].startswith("Debian-12-")}
    [used] = [line.rpartition("built from ")[2] for line in result.stdout.splitlines()
              if "built from " in line and "echo" not in line]
    assert used in debian, result.stdout
    reads = [r for r in machine_sim.requests()[before:] if r["operation"] == "ReadImages"]
    assert reads, "the data source did not ask the simulator"
    assert leftovers(machine_sim) == {}


JSON_TEMPLATE = {
    "//": "HCL2 JSON syntax: the quickstart's source_omi_filter is a block of the bsu options",
    "variable": {"omi_name": {"type": "string", "default": "from-pkr-json"}},
    "source": {"outscale-bsu": {"json": {
        "vm_type": "tinav7.c1r1p1",
        "source_omi_filter": {"filters": {"image-name": "Debian-12-*"}, "owners": ["Outscale"],
                              "most_recent": True},
        "ssh_username": "outscale",
        "omi_name": "${var.omi_name}",
        "tags": {"Name": "${upper(source.name)}"},
    }}},
    "build": {"sources": ["source.outscale-bsu.json"], "provisioner": [
        {"shell": {"inline": ["echo \"built from ${source.name}.pkr.json\""]}}]},
}


@pytest.mark.slow
def test_pkr_json_template_builds(machine_sim, tmp_path):
    (tmp_path / "t.pkr.json").write_text(json.dumps(JSON_TEMPLATE, indent=2))
    result = run_osc_build("build", "--local", "t.pkr.json", cwd=tmp_path, timeout=300,
                           env={"OSC_BUILD_SIM_DATA": str(machine_sim.data_dir)})
    assert result.returncode == 0, result.output
    assert "built from json.pkr.json" in result.stdout
    [image] = [i for i in machine_sim.resources("image") if i["ImageName"] == "from-pkr-json"]
    assert {"Key": "Name", "Value": "JSON"} in image.get("Tags", [])
    assert f"eu-west-2: {image['ImageId']}" in result.stdout
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
