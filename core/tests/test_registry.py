"""Finding and loading named components from entry points."""

from __future__ import annotations

import sys

import pytest

from osc_build import plugin_sources, registry
from osc_build.errors import PluginError


@pytest.fixture
def with_fake_plugins(fake_plugins, monkeypatch):
    monkeypatch.syspath_prepend(str(fake_plugins))
    yield fake_plugins
    for name in [m for m in sys.modules if m.startswith("osc_build_fake")]:
        del sys.modules[name]


def test_unknown_builder_lists_installed_and_suggests(with_fake_plugins):
    with pytest.raises(PluginError) as info:
        registry.find(registry.BUILDER, "fake-locl")
    message = str(info.value)
    assert message.startswith("unknown builder 'fake-locl'; installed: ")
    assert "fake-local" in message
    assert "(did you mean 'fake-local'?)" in message


@pytest.fixture
def missing_known(monkeypatch):
    """A component of the project that is not installed in this environment."""
    monkeypatch.setitem(plugin_sources.plugin_index()["components"]["builder"], "outscale-notyet",
                        "osc-build-notyet")
    return "outscale-notyet"


def test_known_builder_not_installed_names_its_distribution(with_fake_plugins, missing_known):
    with pytest.raises(PluginError) as info:
        registry.find(registry.BUILDER, missing_known)
    assert str(info.value) == (f"builder {missing_known!r} is not installed; install it with: "
                               "pip install osc-build-notyet")


def test_known_data_source_names_stay_data_sources(with_fake_plugins, monkeypatch):
    monkeypatch.setattr(registry, "_entry_points", lambda kind: [])
    with pytest.raises(PluginError, match="data source 'outscale-omi' is not installed; "
                                          "install it with: pip install osc-build-omi-source"):
        registry.find(registry.DATASOURCE, "outscale-omi")


def test_duplicate_name_names_both_distributions(with_fake_plugins):
    with pytest.raises(PluginError) as info:
        registry.load(registry.BUILDER, "fake-twin")
    message = str(info.value)
    assert "more than one package" in message
    assert "osc-build-fake 1.0" in message and "osc-build-fake-twin 1.0" in message


def test_broken_import_names_distribution_and_cause(with_fake_plugins):
    with pytest.raises(PluginError) as info:
        registry.load(registry.BUILDER, "fake-broken")
    message = str(info.value)
    assert "osc-build-fake 1.0" in message
    assert "No module named 'osc_build_fake.not_there'" in message


def test_load_imports_only_the_selected_component(with_fake_plugins):
    assert "osc_build_fake.builder" not in sys.modules
    registry.load(registry.PROVISIONER, "fake-shell")
    assert "osc_build_fake.provisioner" in sys.modules
    assert "osc_build_fake.builder" not in sys.modules
    cls = registry.load(registry.BUILDER, "fake-local")
    assert cls.__name__ == "LocalBuilder"


def test_listing_imports_nothing(with_fake_plugins):
    names = registry.names(registry.BUILDER)
    assert {"fake-local", "fake-broken", "fake-twin"} <= set(names)
    assert not [m for m in sys.modules if m.startswith("osc_build_fake.")]
