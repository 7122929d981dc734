"""A builder whose steps are imported only when it runs: what the OUTSCALE builders share.

``osc-build validate`` needs a builder's options alone; its steps, and the cloud modules
they use, would only slow every start.
"""

from __future__ import annotations

import importlib

from osc_build import hookimpl
from osc_build.interfaces import Builder


class LazyStepsBuilder(Builder):
    """Subclasses name their options schema and the module whose ``build(ctx)`` runs them."""

    options_schema: type
    steps_module: str

    @hookimpl
    def osc_build_config_schema(self):
        return self.options_schema

    @hookimpl
    def osc_build_run(self, ctx):
        return importlib.import_module(self.steps_module).build(ctx)
