"""The outscale-bsuvolume builder as osc-build sees it: its options, and its steps loaded to run."""

from __future__ import annotations

from osc_build.lazy_builder import LazyStepsBuilder
from osc_build_bsuvolume.options import BsuVolumeOptionsSchema


class BsuVolumeBuilder(LazyStepsBuilder):
    """Builds BSU volumes: a temporary VM formats and fills them, then only they remain."""

    options_schema = BsuVolumeOptionsSchema
    steps_module = "osc_build_bsuvolume.steps"
