"""`osc-build` run as a user would: a template's data "outscale-omi" feeding a source."""

from __future__ import annotations

import textwrap

TEMPLATE = textwrap.dedent("""\
    data "outscale-omi" "base" {
      filters = { image-name = "Debian-12-*" }
      filter {
        name  = "state"
        value = "available"
      }
      owners      = ["Outscale"]
      most_recent = true
    }

    data "outscale-omi" "app" {
      filter {
        name  = "tag:Team"
        value = "web"
      }
      filter {
        name  = "tag:Env"
        value = "prod"
      }
      owners = ["self"]
    }

    source "fake-local" "x" {
      output_dir = "OUT"
      content    = join(" ", [data.outscale-omi.base.id, data.outscale-omi.base.name,
                              data.outscale-omi.base.owner_name,
                              data.outscale-omi.base.block_device_mappings[0].volume_size,
                              data.outscale-omi.app.name, data.outscale-omi.app.tags["Env"]])
    }

    build {
      sources = ["source.fake-local.x"]
    }
    """)


def test_build_uses_the_data_source_outputs(catalogue, run_cli, fake_plugins, tmp_path):
    out = tmp_path / "out"
    template = tmp_path / "t.pkr.hcl"
    template.write_text(TEMPLATE.replace("OUT", str(out)))
    result = run_cli("build", str(template), env=catalogue.sim.env(), pythonpath=[fake_plugins],
                     cwd=tmp_path)
    assert result.returncode == 0, result.output
    base = catalogue.client.call("ReadImages", Filters={
        "ImageNames": ["Debian-12-2026.01.15-0"], "AccountAliases": ["Outscale"]})["Images"][0]
    assert (out / "content.txt").read_text() == (
        f"{base['ImageId']} Debian-12-2026.01.15-0 Outscale 10 app-base-2026.01 prod")
    assert "MAINSECRETKEY" not in result.output


def test_a_bad_filter_name_stops_the_build_with_one_clear_error(catalogue, run_cli,
                                                                 fake_plugins, tmp_path):
    out = tmp_path / "out"
    template = tmp_path / "t.pkr.hcl"
    template.write_text(TEMPLATE.replace("OUT", str(out)).replace('"tag:Env"', '"tag-Env"'))
    result = run_cli("build", str(template), env=catalogue.sim.env(), pythonpath=[fake_plugins],
                     cwd=tmp_path)
    assert result.returncode != 0
    assert "data.outscale-omi.app: filters: unknown OMI filter 'tag-Env'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_several_matches_stop_the_build_listing_the_candidates(catalogue, run_cli,
                                                                fake_plugins, tmp_path):
    template = tmp_path / "t.pkr.hcl"
    template.write_text(TEMPLATE.replace("OUT", str(tmp_path / "out"))
                        .replace("most_recent = true", ""))
    result = run_cli("build", str(template), env=catalogue.sim.env(), pythonpath=[fake_plugins],
                     cwd=tmp_path)
    assert result.returncode != 0
    assert ("2 OMIs match image-name = Debian-12-*, state = available, owners = ['Outscale']"
            in result.output)
    assert "Debian-12-2025.12.03-0" in result.output and "most_recent = true" in result.output

