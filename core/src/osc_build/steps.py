"""The step runner: a builder is its list of steps.

Each step is a plain function ``run(ctx, state)`` that reads and fills the
builder's typed state. The runner checks for interrupts between steps, calls
the ``osc_build_step`` hook, and says what it is doing. With ``-on-error=ask``
a failed step may be retried: what it created is deleted first, so nothing of
the failed attempt is left behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from osc_build.context import BuildContext
from osc_build.errors import BuildError, Interrupted, error_text
from osc_build.resources import names

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


F = TypeVar("F", bound=Callable[..., Any])


def reads(schema: type) -> Callable[[F], F]:
    """Declare the options schema a shared step reads.

    A builder that lists the step includes ``schema`` in its own options schema, so the
    step never has to guess at a missing option; :func:`run_steps` checks it first.
    """

    def declare(run: F) -> F:
        run.options_schema = schema  # type: ignore[attr-defined]
        return run

    return declare


def check_declared_options(ctx: BuildContext, steps: Sequence[Step[S]]) -> None:
    """Each step's declared options are the builder's: a builder bug, said before any step."""
    from osc_build.config import options_class

    if not dataclasses.is_dataclass(ctx.config):
        return  # options that are not a loaded schema's (unit tests' stand-ins)
    have = {field.name for field in dataclasses.fields(ctx.config)}
    for step in steps:
        schema = getattr(step.run, "options_schema", None)
        if schema is None:
            continue
        missing = [f.name for f in dataclasses.fields(options_class(schema))
                   if f.name not in have]
        if missing:
            raise BuildError(
                f"builder {ctx.builder!r} lists step {step.name!r}, which reads options "
                f"{', '.join(missing)} that the builder does not declare: its options schema "
                f"must include {schema.__name__}; report this to the builder's authors")


def run_steps(ctx: BuildContext, steps: Sequence[Step[S]], state: S) -> S:
    """Run ``steps`` in order on ``state``; stop at the first error or interrupt."""
    check_declared_options(ctx, steps)
    fault_at = os.environ.get(FAULT_STEP_VARIABLE, "")
    for step in steps:
        ctx.check_cancelled()
        if step.when is not None and not step.when(ctx):
            log.debug("%s: skipping step %r", ctx.name, step.name)
            continue
        if ctx.hook is not None:
            ctx.hook.osc_build_step(ctx=ctx, step=step, state=state)
        log.debug("%s: step %r", ctx.name, step.name)
        if ctx.debug:
            _pause(ctx, step)
        while not _attempt(ctx, step, state, fault=fault_at == step.name):
            ctx.ui.say(f"Retrying step {step.name!r}...")
    return state


def _attempt(ctx: BuildContext, step: Step[S], state: S, *, fault: bool) -> bool:
    """Run ``step`` once: True when it succeeded, False to retry it (-on-error=ask)."""
    mark = ctx.resources.mark()
    try:
        if fault:
            raise BuildError(f"step {step.name!r}: fault injected by {FAULT_STEP_VARIABLE}")
        step.run(ctx, state)
        return True
    except Interrupted:
        raise
    except Exception as err:
        if ctx.on_error != "ask":
            raise
        from osc_build import on_error

        ctx.ui.error(f"step {step.name!r} failed: {error_text(err, first_line=True)}")
        choice = on_error.ask(ctx, retry=True)
        if choice != on_error.RETRY:
            ctx.on_error = choice  # answered: the runner cleans up or keeps, without asking
            raise
        created = ctx.resources.since(mark)
        if created:
            ctx.ui.say(f"Deleting what the failed attempt created: {names(created[::-1])}")
        for leak in ctx.resources.undo_since(mark):
            ctx.ui.error(f"could not delete {leak}; delete it by hand")
        ctx.check_cancelled()
        return False


def _pause(ctx: BuildContext, step: Step) -> None:
    """``-debug``: wait for Enter before each step, as Packer does."""
    ctx.ui.say(f"Pausing before step {step.name!r}. Press enter to continue.")
    with contextlib.suppress(EOFError):  # no terminal: go on
        input()
