"""The SDK's parsed spec is cached on disk: builds after the first skip the 0.4 s parse."""

from __future__ import annotations

import json

from osc_build_outscale.client import gateway
from osc_build_outscale.client.gateway import load_spec


def test_the_cached_spec_is_the_parsed_spec(tmp_path):
    parsed = load_spec(None)
    written = load_spec(tmp_path)
    [cache] = tmp_path.glob("oapi-spec-*.json")
    loaded = load_spec(tmp_path)
    assert parsed == written == loaded
    assert loaded.structure["CreateVms"]["ImageId"] == {"type": "str", "required": True}
    assert not list(tmp_path.glob("*.partial"))
    assert json.loads(cache.read_text())[1] == parsed.api_version


def test_a_cached_spec_is_used_without_parsing(tmp_path):
    load_spec(tmp_path)
    [cache] = tmp_path.glob("oapi-spec-*.json")
    _, version, endpoint_version = json.loads(cache.read_text())
    cache.write_text(json.dumps([{"Marker": {}}, version, endpoint_version]))
    assert load_spec(tmp_path).structure == {"Marker": {}}


def test_a_damaged_cache_is_parsed_again_and_replaced(tmp_path):
    load_spec(tmp_path)
    [cache] = tmp_path.glob("oapi-spec-*.json")
    cache.write_text('{"cut in the mid')
    assert "CreateVms" in load_spec(tmp_path).structure
    assert "CreateVms" in json.loads(cache.read_text())[0]


def test_an_unwritable_cache_dir_only_costs_the_parse(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert "CreateVms" in load_spec(blocker).structure


def test_the_cache_lives_under_xdg_cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert gateway.spec_cache_dir() == tmp_path / "osc-build"
