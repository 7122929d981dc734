"""Cross-cutting hooks of the fake plugin: they leave traces the tests read."""

from __future__ import annotations

import os
from pathlib import Path

from osc_build import hookimpl


def _trace(line: str) -> None:
    path = os.environ.get("OSC_BUILD_FAKE_TRACE")
    if path:
        with Path(path).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


@hookimpl
def osc_build_prepare(ctx):
    _trace(f"prepare {ctx.name}")


@hookimpl
def osc_build_step(ctx, step, state):
    _trace(f"step {ctx.name} {step.name}")


@hookimpl
def osc_build_artifact(ctx, artifact):
    _trace(f"artifact {ctx.name} {artifact.id}")
