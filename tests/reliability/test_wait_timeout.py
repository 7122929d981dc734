"""OSC_BUILD_WAIT_TIMEOUT: what lets a VM that never boots fail in seconds, in CI."""

from __future__ import annotations

import pytest

from osc_build.errors import ConfigError
from osc_build_outscale.cloud.waits import TIMEOUTS, wait_timeout


def test_default_timeouts_when_unset(monkeypatch):
    monkeypatch.delenv("OSC_BUILD_WAIT_TIMEOUT", raising=False)
    assert wait_timeout("vm") == TIMEOUTS["vm"]


def test_override(monkeypatch):
    monkeypatch.setenv("OSC_BUILD_WAIT_TIMEOUT", "2.5")
    assert wait_timeout("image") == 2.5


@pytest.mark.parametrize("value", ["soon", "0", "-3"])
def test_bad_values_say_what_to_set(monkeypatch, value):
    monkeypatch.setenv("OSC_BUILD_WAIT_TIMEOUT", value)
    with pytest.raises(ConfigError, match="expected a positive number of seconds"):
        wait_timeout("vm")
