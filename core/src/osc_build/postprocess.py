"""Post-processors: what happens to an artifact after a successful build.

A post-processor is a component of the ``osc_build.post_processors`` group: a
class with a ``schema`` and ``post_process(ctx, artifact, config) -> Artifact``.
A build has chains of them (Packer's ``post-processors`` blocks); each chain
starts from the builder's artifact and passes each result to the next.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from osc_build import registry
from osc_build.errors import BuildError, OscBuildError
from osc_build.problems import Problems

if TYPE_CHECKING:
    from osc_build.artifact import Artifact
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostProcessorCall:
    type: str
    config: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""
    keep_input_artifact: bool | None = None
    where: str = ""
    positions: Mapping[str, str] = field(default_factory=dict)  # option -> "file:line:col"

    @property
    def label(self) -> str:
        return self.name or self.type


@dataclass(frozen=True)
class PreparedPostProcessor:
    call: PostProcessorCall
    post_processor: Any
    config: Any


def prepare_post_processors(
        chains: Sequence[Sequence[PostProcessorCall]]) -> list[list[PreparedPostProcessor]]:
    """Load every post-processor and its options before the build starts."""
    from osc_build.config import load_options

    def prepare(call: PostProcessorCall) -> PreparedPostProcessor:
        cls = registry.load_at(registry.POST_PROCESSOR, call.type, where=call.where)
        schema = getattr(cls, "schema", None)
        where = call.where or f"post-processor {call.type!r}"
        config = (load_options(schema, call.config, where=where, positions=call.positions)
                  if schema else call.config)
        return PreparedPostProcessor(call, cls(), config)

    problems = Problems()
    prepared = [[problems.collect(lambda c=c: prepare(c)) for c in chain] for chain in chains]
    problems.raise_any()
    return prepared


def run_post_processors(ctx: BuildContext, artifact: Artifact,
                        chains: Sequence[Sequence[PreparedPostProcessor]]) -> list[Artifact]:
    """Run each chain on the build's artifact; return the artifacts they produced."""
    produced = []
    for chain in chains:
        current = artifact
        for item in chain:
            ctx.check_cancelled()
            ctx.ui.say(f"Running post-processor: {item.call.label}")
            try:
                result = item.post_processor.post_process(ctx, current, item.config)
            except OscBuildError as err:
                raise BuildError(f"post-processor {item.call.label!r} failed: {err}") from err
            current = result if result is not None else current
        if current is not artifact:
            produced.append(current)
    return produced
