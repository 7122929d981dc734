"""example-omi-copy, the builder of docs/writing-a-builder.md, tested as its author would."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_copy_is_tagged_and_kept(run_cli, fake_plugins, simulator, tmp_path):
    (source,) = [i for i in simulator.resources("image")
                 if i["ImageName"] == "Debian-12-2026.01.15-0" and i["region"] == simulator.region]
    template = tmp_path / "copy.pkr.hcl"
    template.write_text(f"""
source "example-omi-copy" "main" {{
  source_omi = "{source["ImageId"]}"
  omi_name   = "debian-copy"
  tags       = {{ copied-from = "{{{{ .SourceOMI }}}}" }}
}}
build {{
  sources = ["source.example-omi-copy.main"]
}}
""")
    result = run_cli("build", "--local", str(template), pythonpath=[fake_plugins],
                     env={"OSC_BUILD_SIM_DATA": str(simulator.data_dir)})
    assert result.returncode == 0, result.output
    (copy,) = [i for i in simulator.resources("image") if i["ImageName"] == "debian-copy"]
    assert {"Key": "copied-from", "Value": source["ImageId"]} in copy["Tags"]
    assert copy["ImageId"] in result.stdout


def test_a_missing_source_is_one_clear_error(run_cli, fake_plugins, tmp_path):
    template = tmp_path / "copy.pkr.hcl"
    template.write_text('source "example-omi-copy" "main" { omi_name = "x" }\n'
                        'build { sources = ["source.example-omi-copy.main"] }\n')
    result = run_cli("validate", template.name, pythonpath=[fake_plugins], cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: {template.name}:1:1: source.example-omi-copy.main: "
        "source_omi: must be specified")

