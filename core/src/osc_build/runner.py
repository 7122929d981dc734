"""Prepare and run one build: options, hooks, undo log, outcome.

``prepare`` does everything that needs no cloud call (used by ``validate``
too); ``run`` calls the builder inside the undo log and reports what it could
not clean.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osc_build import registry
from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.errors import BuildError, Interrupted, error_text
from osc_build.plugins import is_handled
from osc_build.postprocess import (
    PostProcessorCall,
    PreparedPostProcessor,
    prepare_post_processors,
    run_post_processors,
)
from osc_build.problems import Problems
from osc_build.provision import PreparedProvisioner, ProvisionerCall, prepare_provisioners
from osc_build.resources import Leak
from osc_build.ui import Ui

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildPlan:
    """One build to run: a builder, its raw options and its provisioners."""

    name: str  # "outscale-bsu.main"
    builder: str  # "outscale-bsu"
    options: dict[str, Any]
    where: str = ""  # how errors name the block, e.g. "source.outscale-bsu.main"
    positions: Mapping[str, str] = field(default_factory=dict)  # option -> "file:line:col"
    provisioners: Sequence[ProvisionerCall] = ()
    error_cleanup_provisioner: ProvisionerCall | None = None
    post_processors: Sequence[Sequence[PostProcessorCall]] = ()
    template_dir: Path = field(default_factory=Path.cwd)
    force: bool = False  # Packer's -force: builders with force_deregister replace OMIs


@dataclass
class PreparedBuild:
    plan: BuildPlan
    ctx: BuildContext
    provisioners: list[PreparedProvisioner]
    post_processors: list[list[PreparedPostProcessor]] = field(default_factory=list)


@dataclass
class BuildResult:
    name: str
    artifact: Artifact | None = None
    post_artifacts: list[Artifact] = field(default_factory=list)
    error: BaseException | None = None
    leaked: list[Leak] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # ids left in place by on-error=abort
    cleaned: list[str] = field(default_factory=list)  # temporary resources deleted after failure
    kept_by: str = ""  # the -on-error mode that kept them: abort or run-cleanup-provisioner
    leftovers_command: str = ""  # the plugin's command that deletes the leaks later

    @property
    def ok(self) -> bool:
        return self.error is None and not self.leaked


def prepare(plan: BuildPlan, *, ui: Ui, on_error: str = "cleanup",
            debug: bool = False) -> PreparedBuild:
    """Load the builder and its options and run the prepare hooks: no cloud call."""
    from osc_build.config import load_options
    from osc_build.plugins import make_manager

    builder_cls = registry.load_at(registry.BUILDER, plan.builder,
                                   where=plan.where if plan.positions else "")
    pm = make_manager(builder_cls())
    schema = pm.hook.osc_build_config_schema()
    if schema is None:
        raise BuildError(f"builder {plan.builder!r} declares no options schema; "
                         "report this to its authors")
    options = render_legacy_templates(plan.options, build_name=plan.name.split(".")[-1],
                                      build_type=plan.builder)
    if plan.force and "force_deregister" in schema().fields:
        options["force_deregister"] = True
    problems = Problems()
    config = problems.collect(lambda: load_options(schema, options,
                                                   where=plan.where or plan.name,
                                                   positions=plan.positions))
    provisioners = problems.collect(lambda: prepare_provisioners(plan.provisioners))
    post_processors = problems.collect(lambda: prepare_post_processors(plan.post_processors))
    problems.raise_any()
    ctx = BuildContext(name=plan.name, builder=plan.builder, config=config, ui=ui,
                       hook=pm.hook, on_error=on_error, debug=debug,
                       template_dir=plan.template_dir)
    ctx.provisioners = provisioners  # the builder runs them at its provisioning step
    if plan.error_cleanup_provisioner is not None:
        ctx.error_cleanup_provisioners = prepare_provisioners([plan.error_cleanup_provisioner])
    pm.hook.osc_build_prepare(ctx=ctx)
    return PreparedBuild(plan, ctx, provisioners, post_processors)


def prepare_all(plans: Sequence[BuildPlan],
                prepare_one: Callable[[BuildPlan], PreparedBuild]) -> list[PreparedBuild]:
    """Prepare every build; the mistakes of all of them in one error, in source order."""
    problems = Problems()
    prepared = [problems.collect(lambda plan=plan: prepare_one(plan)) for plan in plans]
    problems.raise_any()
    return prepared


def render_legacy_templates(value: Any, *, build_name: str, build_type: str) -> Any:
    """Apply ``{{timestamp}}``-style templates in option strings, as Packer's builders do.

    Build data (``{{ .SourceOMI }}``) is left as written: steps render it when known.
    """
    if isinstance(value, str):
        if "{{" not in value:
            return value
        from osc_build.template.legacy import interpolate

        return interpolate(value, None, build_name=build_name, build_type=build_type)
    if isinstance(value, dict):
        return {k: render_legacy_templates(v, build_name=build_name, build_type=build_type)
                for k, v in value.items()}
    if isinstance(value, list):
        return [render_legacy_templates(v, build_name=build_name, build_type=build_type)
                for v in value]
    return value


def run(prepared: PreparedBuild) -> BuildResult:
    """Run a prepared build; on failure or interrupt, unwind its undo log."""
    from osc_build.journal import Journal

    ctx = prepared.ctx
    result = BuildResult(ctx.name)
    ctx.resources.journal = Journal.start(ctx.run_id, ctx.builder, ctx.name)
    try:
        artifact = ctx.hook.osc_build_run(ctx=ctx)
        if artifact is None:
            raise BuildError(f"builder {ctx.builder!r} returned no artifact; "
                             "report this to its authors")
        result.artifact = artifact
        # Temporary resources go now; the artifact stays whatever happens next.
        ctx.resources.unwind(succeeded=True)
        ctx.hook.osc_build_artifact(ctx=ctx, artifact=artifact)
        result.post_artifacts = run_post_processors(ctx, artifact, prepared.post_processors)
    except BaseException as err:  # interrupts too: they must unwind
        result.error = err
        text = error_text(err)
        ctx.ui.error(text if is_handled(err) else f"{type(err).__name__}: {text}")
        mode = ctx.on_error  # -on-error=ask answered at a failed step is the answer here
        if mode == "ask":
            from osc_build.on_error import ask  # only a failed build asks: not at start-up

            mode = "cleanup" if isinstance(err, KeyboardInterrupt | Interrupted) else ask(ctx)
        if mode in ("abort", "run-cleanup-provisioner"):
            result.kept = [f"{r.kind} {r.id}" for r in ctx.resources.pending]
            result.kept_by = mode
            for item in result.kept:
                ctx.ui.error(f"on-error={mode}: left {item} in place")
        else:
            if ctx.resources.pending:
                ctx.ui.say("Cleaning up temporary resources...")
            done = len(ctx.resources.deleted)
            try:
                ctx.resources.unwind(succeeded=False)
            except KeyboardInterrupt as again:  # cleanup abandoned: report what is left
                result.error = again
            result.cleaned = [f"{r.kind} {r.id}" for r in ctx.resources.deleted[done:]]
        if not (is_handled(err) or isinstance(err, KeyboardInterrupt)):
            raise
    finally:
        # Every leak of the build: its unwind, and the undoing of retried steps.
        result.leaked = list(ctx.resources.leaked)
        if ctx.resources.journal is not None:
            ctx.resources.journal.close()
        if result.leaked:
            result.leftovers_command = _leftovers_command(ctx)
    return result


def _leftovers_command(ctx: BuildContext) -> str:
    try:
        return ctx.hook.osc_build_leftovers_command(ctx=ctx) or ""
    except Exception as err:  # a report must not fail: say it in the debug log
        log.debug("osc_build_leftovers_command failed: %s", err)
        return ""
