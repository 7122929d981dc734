"""``-machine-readable`` on a real build: four sources on the simulator, one failing, give
Packer's records for artifacts, nil artifacts, volumes and errors."""

from __future__ import annotations

import re

import pytest

from osc_build.testing import build_locally
from osc_build_sim.testing import running_simulator

from .reliability.templates import SOURCE_OMI


def records(stdout: str) -> list[tuple[str, ...]]:
    """(target, type, *data) of each ``timestamp,target,type,data...`` line; all must be one."""
    fields = [tuple(line.split(",")) for line in stdout.splitlines()]
    assert all(len(f) >= 3 and f[0].isdigit() and f[2] for f in fields), stdout
    return [f[1:] for f in fields]


COMMON = SOURCE_OMI  # no SSH: the null backend boots no OS
FOUR_BUILDS = f"""
source "outscale-bsu" "web" {{{COMMON}
  omi_name = "mr-web-{{{{uuid}}}}"
}}
source "outscale-bsu" "skip" {{{COMMON}
  omi_name        = "mr-skip-{{{{uuid}}}}"
  skip_create_omi = true
}}
source "outscale-bsu" "bad" {{{COMMON}
  omi_name = "mr-bad-{{{{uuid}}}}"
}}
source "outscale-bsuvolume" "vol" {{{COMMON}
  bsu_volumes {{
    device_name = "/dev/xvdb"
    volume_size = 1
  }}
}}
build {{
  sources = ["source.outscale-bsu.web", "source.outscale-bsu.skip",
             "source.outscale-bsuvolume.vol"]
}}
build {{
  sources = ["source.outscale-bsu.bad"]
  provisioner "shell-local" {{
    inline = ["echo 'failing, on purpose'; exit 3"]
  }}
}}
"""


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("machine-sim"), profile="instant") as handle:
        yield handle


def test_a_build_on_the_simulator_prints_packer_records(sim, tmp_path):
    result = build_locally(FOUR_BUILDS, "-machine-readable", sim_data_dir=sim.data_dir,
                           workdir=tmp_path)
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    lines = records(result.stdout)  # every line of stdout is a record
    by_target: dict[str, list[tuple[str, ...]]] = {}
    for target, type_, *data in lines:
        by_target.setdefault(target, []).append((type_, *data))
    assert ("error-count", "1") in by_target[""]
    [error] = [d for d in by_target["outscale-bsu.bad"] if d[0] == "error"]
    assert "exit" in error[1] and "3" in error[1]
    # Build output: no target, the build's prefix in the data, commas escaped.
    assert ("ui", "message", "    outscale-bsu.bad: failing%!(PACKER_COMMA) on purpose") in \
        by_target[""]
    assert ("ui", "say", "==> outscale-bsu.bad: Cleaning up temporary resources...") in \
        by_target[""]

    images = {i["ImageName"]: i["ImageId"] for i in sim.resources("image")}
    [web_omi] = [i for name, i in images.items() if name.startswith("mr-web-")]
    assert not [name for name in images if name.startswith(("mr-skip-", "mr-bad-"))]
    web = by_target["outscale-bsu.web"]
    assert web == [
        ("artifact-count", "1"),
        ("artifact", "0", "builder-id", "oapi.outscale.bsu"),
        ("artifact", "0", "id", f"eu-west-2:{web_omi}"),
        ("artifact", "0", "string", f"OMIs were created:\\neu-west-2: {web_omi}"),
        ("artifact", "0", "files-count", "0"),
        ("artifact", "0", "end"),
    ]
    assert by_target["outscale-bsu.skip"] == [
        ("artifact-count", "1"), ("artifact", "0", "nil"), ("artifact", "0", "end")]
    vol = dict((d[2], d[3:]) for d in by_target["outscale-bsuvolume.vol"] if d[0] == "artifact")
    assert vol["builder-id"] == ("oapi.outscale.bsuvolume",)
    [volume_id] = re.findall(r"vol-\w+", vol["id"][0])
    assert vol["id"] == (f"eu-west-2:{volume_id}",)
    assert vol["files-count"] == ("0",)
    assert ("ui", "say", "\\n==> Builds finished. The artifacts of successful builds are:") in \
        by_target[""]
