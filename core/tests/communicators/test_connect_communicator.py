"""connect_communicator(): ssh and none built in, any other communicator from its entry point."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from osc_build import registry
from osc_build.communicators import NoneCommunicator, connect_communicator
from osc_build.errors import PluginError
from osc_build.testing import captured_build


class Recorded:
    calls: list = []

    def connect(self, ctx, host, options, *, private_key_pem=None, password=None):
        Recorded.calls.append((ctx.name, host, options.communicator, private_key_pem, password))
        return "a communicator"


def test_a_plugin_communicator_gets_the_host_key_and_password(tmp_path, monkeypatch):
    loaded = []
    monkeypatch.setattr(registry, "load_at", lambda kind, name, where="": loaded.append(
        (kind, name, where)) or Recorded)
    ctx = captured_build(tmp_path).ctx
    options = SimpleNamespace(communicator="winrm")
    assert connect_communicator(ctx, "127.0.0.5", options, private_key_pem="PEM",
                   password="from-cloud") == "a communicator"
    assert loaded == [(registry.COMMUNICATOR, "winrm", "communicator")]
    assert Recorded.calls == [("outscale-bsu.main", "127.0.0.5", "winrm", "PEM", "from-cloud")]


def test_none_is_built_in_and_a_missing_plugin_names_its_distribution(tmp_path, monkeypatch):
    ctx = captured_build(tmp_path).ctx
    none = connect_communicator(ctx, "h", SimpleNamespace(communicator="none"))
    assert isinstance(none, NoneCommunicator)
    monkeypatch.setattr(registry, "_entry_points", lambda kind: [])
    with pytest.raises(PluginError, match="communicator: communicator 'winrm' is not installed; "
                                          "install it with: pip install osc-build-windows"):
        connect_communicator(ctx, "h", SimpleNamespace(communicator="winrm"))
