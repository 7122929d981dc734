"""The outscale-bsuvolume builder as osc-build sees it: its options and how to run it.

Its steps (:mod:`osc_build_bsuvolume.builder`) and the cloud modules they use are imported
only when a build runs: ``osc-build validate`` needs the options alone.
"""

from __future__ import annotations

from osc_build import hookimpl
from osc_build_bsuvolume.options import BsuVolumeOptionsSchema


class BsuVolumeBuilder:
    """Builds BSU volumes: a temporary VM formats and fills them, then only they remain."""

    @hookimpl
    def osc_build_config_schema(self):
        return BsuVolumeOptionsSchema

    @hookimpl
    def osc_build_run(self, ctx):
        from osc_build_bsuvolume.builder import build

        return build(ctx)
