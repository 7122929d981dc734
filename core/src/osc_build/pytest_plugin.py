"""pytest fixtures for osc-build and its plugins, loaded through the ``pytest11`` entry point.

Installing osc-build-core next to pytest is enough: a plugin author's tests get
``run_cli`` and ``fake_plugins``, and osc-build's caches (spec, parser, parse
trees) go to a temporary directory instead of the user's home.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from osc_build.testing import FAKE_PLUGINS, CliResult, run_osc_build


def pytest_configure(config: pytest.Config) -> None:
    config._osc_build_cache = tempfile.TemporaryDirectory(prefix="osc-build-test-cache-")
    config._osc_build_saved_cache_home = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = config._osc_build_cache.name


def pytest_unconfigure(config: pytest.Config) -> None:
    saved = getattr(config, "_osc_build_saved_cache_home", None)
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved
    cache = getattr(config, "_osc_build_cache", None)
    if cache is not None:
        cache.cleanup()


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    """Run the ``osc-build`` command in a subprocess: ``run_cli("plugins")``."""
    return run_osc_build


@pytest.fixture
def fake_plugins() -> Path:
    """The directory holding the fake third-party plugin distributions (put it on PYTHONPATH)."""
    return FAKE_PLUGINS
