"""The hooks osc-build calls, in the order of a build.

A builder is a class registered in the ``osc_build.builders`` entry-point group;
for each build the core instantiates the selected builder and registers that
object, and only that builder, in a fresh plugin manager, together with the
modules of the ``osc_build`` entry-point group (cross-cutting plugins: checks,
tags, notifications, timing). So ``osc_build_config_schema`` and
``osc_build_run`` have exactly one builder answering them, while the other
hooks may have many implementations.

Order for one build: ``osc_build_config_schema`` -> (options loaded and
checked) -> ``osc_build_prepare`` -> ``osc_build_run`` (which calls
``osc_build_step`` around each of its steps) -> ``osc_build_artifact``.
``osc-build validate`` stops after ``osc_build_prepare``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from collections.abc import Sequence

    from marshmallow import Schema

    from osc_build.artifact import Artifact
    from osc_build.context import BuildContext
    from osc_build.local_cloud import LocalCloud
    from osc_build.steps import Step

hookspec = pluggy.HookspecMarker("osc_build")


class BuildSpecs:
    """Hook specifications of osc-build (the project name for pluggy is ``osc_build``)."""

    @hookspec(firstresult=True)
    def osc_build_config_schema(self) -> type[Schema]:
        """Return the marshmallow schema of the builder's options.

        Called once per build, first, before any option is read. The schema
        declares every option once, with its type, default and a one-line
        description in ``metadata={"description": ...}``; the core loads the
        template's source block with it (unknown keys are errors) and generates
        the reference docs from it. First non-None result wins: the builder.

        :returns: a :class:`osc_build.config.OptionsSchema` subclass; the block
            is loaded into its frozen options class
            (:func:`osc_build.config.options_class`), which becomes ``ctx.config``.

        Example::

            @hookimpl
            def osc_build_config_schema(self):
                return BsuOptionsSchema
        """

    @hookspec
    def osc_build_prepare(self, ctx: BuildContext) -> None:
        """Check the loaded options together, before any cloud call.

        Called after the options are loaded, for every build, by
        ``osc-build build`` and ``osc-build validate``. Every implementation
        runs (the builder's and other plugins'). Raise
        :class:`osc_build.errors.ConfigError` naming the option and the fix;
        never call the OUTSCALE API here.

        :param ctx: the build context; ``ctx.config`` holds the loaded options,
            one read-only attribute per option.

        Example::

            @hookimpl
            def osc_build_prepare(self, ctx):
                if ctx.config.ssh_username == "root":
                    raise ConfigError("ssh_username: 'root' cannot log in; use 'outscale'")
        """

    @hookspec(firstresult=True)
    def osc_build_run(self, ctx: BuildContext) -> Artifact:
        """Run the build and return its artifact.

        Called once per build, after ``osc_build_prepare``, inside the
        resource undo log: every cloud resource created must be recorded with
        ``ctx.resources.track(...)`` as soon as its id is known, so that a
        failure or an interrupt deletes it. A builder implements this as its
        list of steps (``osc_build.steps.run_steps``). First non-None result
        wins: the builder.

        :param ctx: the build context.
        :returns: the :class:`osc_build.artifact.Artifact` built.

        Example::

            @hookimpl
            def osc_build_run(self, ctx):
                state = BsuState()
                run_steps(ctx, STEPS, state)
                return state.artifact
        """

    @hookspec
    def osc_build_step(self, ctx: BuildContext, step: Step, state: Any) -> None:
        """Observe a build step just before it runs.

        Called by the step runner before each step of every builder, after
        the interrupt check. Every implementation runs. Raising an
        :class:`osc_build.errors.OscBuildError` fails the build at this step
        (the undo log then unwinds), which is how fault-injection and policy
        plugins work.

        :param ctx: the build context.
        :param step: the step about to run (``step.name`` is its title).
        :param state: the builder's typed state object.

        Example::

            @hookimpl
            def osc_build_step(self, ctx, step, state):
                log.info("%s: starting %s", ctx.name, step.name)
        """

    @hookspec
    def osc_build_artifact(self, ctx: BuildContext, artifact: Artifact) -> None:
        """Observe the artifact of a successful build.

        Called once after ``osc_build_run`` returned, before post-processors
        run, for every implementation (notifiers, inventories, ...). An error
        raised here fails the build but keeps the artifact.

        :param ctx: the build context.
        :param artifact: what the build produced.

        Example::

            @hookimpl
            def osc_build_artifact(self, ctx, artifact):
                print(f"{ctx.name}: built {artifact.id}")
        """

    @hookspec
    def osc_build_handled_errors(self) -> Sequence[type[BaseException]]:
        """Return a plugin's own exception classes that users cause and can fix.

        Called by the CLI and the build runner, for every implementation (plugin
        modules of the ``osc_build`` entry-point group). Such an error is shown
        as one line and exits 1, like :class:`osc_build.errors.OscBuildError`,
        instead of being reported as a bug with its traceback. For libraries
        usable without osc-build (an API client with its own error base).

        Example::

            @hookimpl
            def osc_build_handled_errors(self):
                return [ApiClientError]
        """

    @hookspec(firstresult=True)
    def osc_build_local_cloud(self) -> LocalCloud | None:
        """Return the local cloud that ``--local`` builds against, or None.

        Called once per ``--local`` command, before any build is prepared.
        The result (see :class:`osc_build.local_cloud.LocalCloud`) starts a
        simulator when first asked and aims builds and data sources at it.
        First non-None result wins.

        Example::

            @hookimpl
            def osc_build_local_cloud(self):
                return SimulatorCloud()
        """

    @hookspec(firstresult=True)
    def osc_build_leftovers_command(self, ctx: BuildContext) -> str | None:
        """Return the command that finds and deletes what this build could not delete.

        Called after a build whose cleanup left resources behind; the build's
        final message prints it. First non-None result wins; None prints none.

        :param ctx: the build context of the build that left resources behind.
        :returns: a command line for the user to run, or None.

        Example::

            @hookimpl
            def osc_build_leftovers_command(self, ctx):
                return f"osc-build leftovers --run-id {ctx.run_id} --delete"
        """
