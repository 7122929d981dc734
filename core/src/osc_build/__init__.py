"""osc-build: build OUTSCALE machine images (OMIs).

The public API for plugin authors is re-exported here; everything heavy is
imported lazily so that ``osc-build --help`` stays fast.
"""

from __future__ import annotations

import pluggy

hookimpl = pluggy.HookimplMarker("osc_build")
"""Marker for plugin hook implementations: ``@osc_build.hookimpl``."""

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version

        return version("osc-build-core")
    raise AttributeError(f"module 'osc_build' has no attribute {name!r}")
