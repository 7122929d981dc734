"""--local on a machine that lacks host packages and cannot install them (not root): one
line with the exact command, before any simulator starts."""

from __future__ import annotations

import pytest

from osc_build.errors import UsageError
from osc_build_outscale import local
from osc_build_sim import host_requirements


def test_missing_host_packages_are_named_with_the_command_before_the_simulator_starts(
        tmp_path, monkeypatch):
    monkeypatch.setattr(host_requirements, "REQUIREMENTS",
                        {"no-such-command-osc": "no-such-package-osc"})
    monkeypatch.setattr(host_requirements, "can_install", lambda: False)
    with pytest.raises(UsageError) as caught:
        local.simulator_state(tmp_path / "sim")
    assert str(caught.value) == (
        "the local simulator needs Debian packages this machine lacks (no-such-package-osc): "
        "run `sudo apt-get install -y --no-install-recommends no-such-package-osc`")
    assert not (tmp_path / "sim").exists()  # no simulator started, nothing made
