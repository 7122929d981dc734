"""A shared step declares the options it reads; a builder that lists it must have them."""

from __future__ import annotations

import pytest
from marshmallow import fields

from osc_build.config import OptionsSchema, load_options, option
from osc_build.errors import BuildError
from osc_build.steps import Step, reads, run_steps
from osc_build.testing import captured_build


class TagsSchema(OptionsSchema):
    tags = option(fields.Dict(load_default=dict), "Tags.")
    snapshot_tags = option(fields.Dict(load_default=dict), "Snapshot tags.")


class WithTagsSchema(TagsSchema):
    name = option(fields.String(load_default="x"), "Name.")


class WithoutSnapshotTagsSchema(OptionsSchema):
    name = option(fields.String(load_default="x"), "Name.")
    tags = option(fields.Dict(load_default=dict), "Tags.")


def steps(ran: list[str]) -> list[Step]:
    @reads(TagsSchema)
    def tag(ctx, state):
        ran.append(f"tagged with {ctx.config.snapshot_tags}")

    return [Step("start", lambda ctx, state: ran.append("started")), Step("tag", tag)]


def test_a_builder_with_the_step_options_runs_it(tmp_path):
    build = captured_build(tmp_path)
    build.ctx.config = load_options(WithTagsSchema, {"snapshot_tags": {"a": "b"}}, where="t")
    ran: list[str] = []
    run_steps(build.ctx, steps(ran), None)
    assert ran == ["started", "tagged with {'a': 'b'}"]


def test_a_builder_missing_the_step_options_stops_before_the_first_step(tmp_path):
    build = captured_build(tmp_path)
    build.ctx.config = load_options(WithoutSnapshotTagsSchema, {}, where="t")
    ran: list[str] = []
    with pytest.raises(BuildError) as info:
        run_steps(build.ctx, steps(ran), None)
    assert ran == []
    assert str(info.value) == (
        "builder 'outscale-bsu' lists step 'tag', which reads options snapshot_tags that the "
        "builder does not declare: its options schema must include TagsSchema; report this to "
        "the builder's authors")
