"""The outscale-chroot builder as osc-build sees it: its options, and its steps loaded to run."""

from __future__ import annotations

from osc_build.lazy_builder import LazyStepsBuilder
from osc_build_chroot.options import ChrootOptionsSchema


class ChrootBuilder(LazyStepsBuilder):
    """Builds an OMI from a volume provisioned in a chroot on this VM."""

    options_schema = ChrootOptionsSchema
    steps_module = "osc_build_chroot.steps"
