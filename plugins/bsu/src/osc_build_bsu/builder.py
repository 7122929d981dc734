"""The outscale-bsu builder as osc-build sees it: its options, and its steps loaded to run."""

from __future__ import annotations

from osc_build.lazy_builder import LazyStepsBuilder
from osc_build_bsu.options import BsuOptionsSchema


class BsuBuilder(LazyStepsBuilder):
    """Builds a BSU-backed OMI: a temporary VM from a source OMI, provisioned over SSH."""

    options_schema = BsuOptionsSchema
    steps_module = "osc_build_bsu.steps"
