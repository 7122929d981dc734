"""Every installed component keeps the contract core calls it by, and ours declare it."""

from __future__ import annotations

import sys

import pytest

from osc_build import registry
from osc_build.interfaces import Builder, DataSource, PostProcessor, Provisioner

INTERFACES = {registry.BUILDER: Builder, registry.DATASOURCE: DataSource,
              registry.PROVISIONER: Provisioner, registry.POST_PROCESSOR: PostProcessor}


@pytest.fixture
def components(fake_plugins, monkeypatch):
    monkeypatch.syspath_prepend(str(fake_plugins))
    yield [item for kind in registry.KINDS for item in registry.load_all(kind)
           if item.cls is not None]
    for name in [m for m in sys.modules if m.startswith("osc_build_fake")]:
        del sys.modules[name]


def test_each_component_declares_its_interface(components):
    assert {c.component.name for c in components} >= {"shell", "manifest", "fake-local"}
    for item in components:
        interface = INTERFACES[item.component.kind]
        assert interface in item.cls.__mro__, f"{item.component} does not declare {interface}"
        assert isinstance(item.cls(), interface)
