"""Acceptance: a data "outscale-omi" result feeds source_omi of an outscale-bsu build."""

from __future__ import annotations

from osc_build_outscale.client import OscClient, resolve_credentials
from osc_build_sim.testing import running_simulator

TEMPLATE = """
data "outscale-omi" "base" {
  filters     = { image-name = "Debian-12-*" }
  owners      = ["Outscale"]
  most_recent = true
}

source "outscale-bsu" "main" {
  vm_type      = "tinav7.c1r1p1"
  source_omi   = data.outscale-omi.base.id
  communicator = "none"
  omi_name     = "from-data-source-{{timestamp}}"
  tags         = { Base = data.outscale-omi.base.name }
}

build {
  sources = ["source.outscale-bsu.main"]
}
"""


def test_data_source_feeds_source_omi_of_a_bsu_build(run_cli, tmp_path):
    template = tmp_path / "build.pkr.hcl"
    template.write_text(TEMPLATE)
    with running_simulator(tmp_path / "sim", profile="instant") as sim:  # its own account
        result = run_cli("build", str(template), env=sim.env(), cwd=tmp_path, timeout=300)
        assert result.returncode == 0, result.output
        client = OscClient(resolve_credentials({}, env=sim.env()))
        images = client.call("ReadImages", Filters={
            "ImageNames": ["from-data-source-*"], "AccountIds": [sim.account_id]})["Images"]
        base = client.call("ReadImages", Filters={
            "ImageNames": ["Debian-12-2026.01.15-0"]})["Images"][0]
        built_from = [vm["ImageId"] for vm in sim.resources("vm")]
    assert len(images) == 1, images
    assert images[0]["State"] == "available"
    assert {t["Key"]: t["Value"] for t in images[0]["Tags"]} == {
        "Base": "Debian-12-2026.01.15-0"}
    assert built_from == [base["ImageId"]]  # the build VM ran the data source's OMI
