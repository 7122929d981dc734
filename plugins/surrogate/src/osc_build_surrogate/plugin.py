"""The outscale-bsusurrogate builder as osc-build sees it: its options and how to run it.

Its steps (:mod:`osc_build_surrogate.builder`) and the cloud modules they use are imported
only when a build runs: ``osc-build validate`` needs the options alone.
"""

from __future__ import annotations

from osc_build import hookimpl
from osc_build_surrogate.options import SurrogateOptionsSchema


class SurrogateBuilder:
    """Builds an OMI from volumes that a surrogate VM's provisioners filled."""

    @hookimpl
    def osc_build_config_schema(self):
        return SurrogateOptionsSchema

    @hookimpl
    def osc_build_run(self, ctx):
        from osc_build_surrogate.builder import build

        return build(ctx)
