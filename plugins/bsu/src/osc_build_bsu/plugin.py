"""The outscale-bsu builder as osc-build sees it: its options and how to run it.

Its steps (:mod:`osc_build_bsu.builder`) and the cloud modules they use are imported
only when a build runs: ``osc-build validate`` needs the options alone.
"""

from __future__ import annotations

from osc_build import hookimpl
from osc_build_bsu.options import BsuOptionsSchema


class BsuBuilder:
    """Builds a BSU-backed OMI: a temporary VM from a source OMI, provisioned over SSH."""

    @hookimpl
    def osc_build_config_schema(self):
        return BsuOptionsSchema

    @hookimpl
    def osc_build_run(self, ctx):
        from osc_build_bsu.builder import build

        return build(ctx)
