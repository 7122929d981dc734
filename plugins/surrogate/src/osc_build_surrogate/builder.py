"""The outscale-bsusurrogate builder: its options, and its steps loaded to run."""

from __future__ import annotations

from osc_build.lazy_builder import LazyStepsBuilder
from osc_build_surrogate.options import SurrogateOptionsSchema


class SurrogateBuilder(LazyStepsBuilder):
    """Builds an OMI from volumes that a surrogate VM's provisioners filled."""

    options_schema = SurrogateOptionsSchema
    steps_module = "osc_build_surrogate.steps"
