"""The example-omi-copy builder as osc-build sees it: its options, and its steps loaded to run."""

from __future__ import annotations

from osc_build.lazy_builder import LazyStepsBuilder
from osc_build_omi_copy.options import OmiCopyOptionsSchema


class OmiCopyBuilder(LazyStepsBuilder):
    """Copies an existing OMI under a new name, with tags: no VM, no SSH."""

    options_schema = OmiCopyOptionsSchema
    steps_module = "osc_build_omi_copy.steps"
