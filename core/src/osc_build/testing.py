"""pytest fixtures for osc-build and its plugins (enabled with ``-p osc_build.testing``)."""

from __future__ import annotations
