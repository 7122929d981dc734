"""The step runner: a builder is its list of steps.

Each step is a plain function ``run(ctx, state)`` that reads and fills the
builder's typed state. The runner checks for interrupts between steps, calls
the ``osc_build_step`` hook, and says what it is doing.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from osc_build.context import BuildContext
from osc_build.errors import BuildError

log = logging.getLogger(__name__)

S = TypeVar("S")

# Testing aid: fail the build at the step whose name is given (fault injection).
FAULT_STEP_VARIABLE = "OSC_BUILD_FAULT_STEP"


@dataclass(frozen=True)
class Step(Generic[S]):
    name: str
    run: Callable[[BuildContext, S], None]
    # Run the step only when this returns True (e.g. not with skip_create_omi).
    when: Callable[[BuildContext], bool] | None = None


def run_steps(ctx: BuildContext, steps: Sequence[Step[S]], state: S) -> S:
    """Run ``steps`` in order on ``state``; stop at the first error or interrupt."""
    fault_at = os.environ.get(FAULT_STEP_VARIABLE, "")
    for step in steps:
        ctx.check_cancelled()
        if step.when is not None and not step.when(ctx):
            log.debug("%s: skipping step %r", ctx.name, step.name)
            continue
        if ctx.hook is not None:
            ctx.hook.osc_build_step(ctx=ctx, step=step, state=state)
        if fault_at and fault_at == step.name:
            raise BuildError(f"step {step.name!r}: fault injected by {FAULT_STEP_VARIABLE}")
        log.debug("%s: step %r", ctx.name, step.name)
        if ctx.debug:
            _pause(ctx, step)
        step.run(ctx, state)
    return state


def step_names(steps: Sequence[Step[Any]]) -> list[str]:
    """The names of ``steps``, for documentation and fault-injection tests."""
    return [step.name for step in steps]


def _pause(ctx: BuildContext, step: Step) -> None:
    """``-debug``: wait for Enter before each step, as Packer does."""
    ctx.ui.say(f"Pausing before step {step.name!r}. Press enter to continue.")
    with contextlib.suppress(EOFError):  # no terminal: go on
        input()
