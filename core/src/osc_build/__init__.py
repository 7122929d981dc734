"""osc-build: build OUTSCALE machine images (OMIs).

The public API for plugin authors is ``osc_build.hookimpl``; names are resolved
lazily so that ``osc-build --help`` and ``osc-build version`` stay fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        import pluggy

        marker = pluggy.HookimplMarker("osc_build")
        globals()["hookimpl"] = marker
        return marker
    if name == "__version__":
        from importlib.metadata import version

        return version("osc-build-core")
    raise AttributeError(f"module 'osc_build' has no attribute {name!r}")
