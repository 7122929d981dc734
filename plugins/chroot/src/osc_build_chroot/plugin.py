"""The outscale-chroot builder as osc-build sees it: its options and how to run it.

Its steps (:mod:`osc_build_chroot.builder`) and the cloud modules they use are imported
only when a build runs: ``osc-build validate`` needs the options alone.
"""

from __future__ import annotations

from osc_build import hookimpl
from osc_build_chroot.options import ChrootOptionsSchema


class ChrootBuilder:
    """Builds an OMI from a volume provisioned in a chroot on this VM."""

    @hookimpl
    def osc_build_config_schema(self):
        return ChrootOptionsSchema

    @hookimpl
    def osc_build_run(self, ctx):
        from osc_build_chroot.builder import build

        return build(ctx)
