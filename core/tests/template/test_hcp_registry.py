"""hcp_packer_registry: one clear error where it stands, unless HCP_PACKER_REGISTRY=off."""

from __future__ import annotations

import json

import pytest

from osc_build.errors import TemplateError
from osc_build.template import load_template

SOURCE = '''source "outscale-bsu" "a" {
  omi_name = "x"
}
'''


def load(path, env):
    return load_template(path, vars={}, var_files=[], env=env, datasource=None)


@pytest.mark.parametrize("where", ["top", "build"])
def test_hcp_block_is_refused_at_its_line(tmp_path, where):
    hcp = 'hcp_packer_registry {\n  bucket_name = "b"\n}\n'
    inside = hcp if where == "build" else ""
    build = 'build {\n  sources = ["source.outscale-bsu.a"]\n' + inside + "}\n"
    path = tmp_path / "t.pkr.hcl"
    path.write_text(SOURCE + (hcp if where == "top" else "") + build)
    with pytest.raises(TemplateError) as caught:
        load(path, env={})
    line = 4 if where == "top" else 6
    assert str(caught.value).startswith(f"{path}:{line}:")
    assert "does not publish build metadata to HCP Packer" in str(caught.value)
    assert "HCP_PACKER_REGISTRY=off" in str(caught.value)


def test_hcp_switched_off_builds_with_a_warning(tmp_path, caplog):
    path = tmp_path / "t.pkr.hcl"
    path.write_text(SOURCE + 'build {\n  hcp_packer_registry {\n    bucket_name = "b"\n  }\n'
                    '  sources = ["source.outscale-bsu.a"]\n}\n')
    template = load(path, env={"HCP_PACKER_REGISTRY": "off"})
    assert [s.name for s in template.builds[0].sources] == ["a"]
    assert "hcp_packer_registry ignored (HCP_PACKER_REGISTRY=off)" in caplog.text


def test_hcp_in_a_json_template_is_refused_too(tmp_path):
    path = tmp_path / "t.pkr.json"
    path.write_text(json.dumps({
        "source": {"outscale-bsu": {"a": {"omi_name": "x"}}},
        "build": {"sources": ["source.outscale-bsu.a"],
                  "hcp_packer_registry": {"bucket_name": "b"}}}))
    with pytest.raises(TemplateError, match="does not publish build metadata to HCP Packer"):
        load(path, env={})
