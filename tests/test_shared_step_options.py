"""Every builder here includes the options of the shared steps it lists."""

from __future__ import annotations

import importlib

import pytest

from osc_build import registry
from osc_build.config import options_class
from osc_build.steps import check_declared_options
from osc_build.testing import captured_build

BUILDERS = [name for name in registry.names(registry.BUILDER) if name.startswith("outscale-")]


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_declares_what_its_steps_read(name, tmp_path):
    cls = registry.load(registry.BUILDER, name)
    steps = importlib.import_module(cls.steps_module).STEPS
    assert any(getattr(s.run, "options_schema", None) for s in steps)  # it lists shared steps
    build = captured_build(tmp_path, f"{name}.main")
    build.ctx.config = options_class(cls.options_schema)()
    check_declared_options(build.ctx, steps)
