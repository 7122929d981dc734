"""``osc-build build TEMPLATE`` and the template-free ``osc-build --builder NAME ...``.

The arguments are declared in :mod:`~osc_build.cli.build_arguments`, the builds
run in :mod:`~osc_build.cli.parallel_builds`, and :mod:`~osc_build.cli.build_report`
prints the outcome.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from osc_build.cli.build_arguments import add_run_options, add_variable_options


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("build", help="build images from a template",
                                   description="Build every source of a template.")
    parser.add_argument("template", help="a .pkr.hcl, .pkr.json or legacy .json file, or a "
                        "directory of them")
    add_variable_options(parser)
    parser.add_argument("-only", "--only", action="append", default=[], metavar="GLOB",
                        help="build only these sources (type.name globs, comma-separated)")
    parser.add_argument("-except", "--except", dest="except_", action="append", default=[],
                        metavar="GLOB", help="skip these sources")
    add_run_options(parser)
    parser.add_argument("-force", "--force", action="store_true",
                        help="replace existing OMIs of the same name (force_deregister)")
    parser.add_argument("-parallel-builds", "--parallel-builds", type=int, default=0,
                        metavar="N", help="run at most N builds at once (0: all)")
    parser.add_argument("-debug", dest="step_debug", action="store_true",
                        help="pause before each step and keep the temporary SSH key")
    parser.add_argument("-warn-on-undeclared-var", "--warn-on-undeclared-var",
                        action="store_true", help="accepted for Packer compatibility: "
                        "var-file values of undeclared variables always give a warning")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from osc_build.template_plans import plans_from_template

    datasource = None
    if getattr(args, "local", False):
        from osc_build.local_cloud import local_cloud
        from osc_build.template_plans import run_datasource

        cloud = local_cloud()

        def datasource(type_: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
            return run_datasource(type_, name, cloud.datasource_options(config))
    plans = plans_from_template(Path(args.template), vars=args.var, var_files=args.var_file,
                                only=args.only, except_=args.except_, datasource=datasource)
    return execute(plans, args)


def run_template_free(args: argparse.Namespace) -> int:
    """``osc-build --builder NAME [--config FILE] [--set k=v] [--shell CMD] ...``."""
    from osc_build.cli.build_arguments import template_free_plan

    return execute([template_free_plan(args)], args)


def execute(plans: list, args: argparse.Namespace) -> int:
    """Prepare every build (no cloud call), run them, print the Packer-style outcome."""
    from osc_build import runner
    from osc_build.cli.build_report import print_outcome
    from osc_build.cli.parallel_builds import interrupted, run_all
    from osc_build.ui import Ui

    force = bool(getattr(args, "force", False))
    plans = [replace(plan, force=force) for plan in plans]
    on_error = getattr(args, "on_error", "cleanup")
    color = {"true": True, "false": False}.get(getattr(args, "color", None) or "")
    debug = bool(getattr(args, "step_debug", False))

    def prepare_all(plans: list) -> list:
        return runner.prepare_all(plans, lambda plan: runner.prepare(
            plan, ui=Ui(plan.name, color=color, timestamps=getattr(args, "timestamp_ui", False),
                        machine_readable=getattr(args, "machine_readable", False)),
            on_error=on_error, debug=debug))

    if getattr(args, "local", False):
        from osc_build.local_cloud import loading_for_local_cloud, local_cloud

        with loading_for_local_cloud():  # the local cloud says which regions it serves
            prepare_all(plans)  # every mistake is found before the simulator starts
        prepared = prepare_all(local_cloud().point(plans))
    else:
        prepared = prepare_all(plans)  # every mistake is found before anything starts
    started = time.monotonic()
    results = run_all(prepared, getattr(args, "parallel_builds", 0))
    print_outcome(results, time.monotonic() - started,
                  machine_readable=bool(getattr(args, "machine_readable", False)))
    if any(interrupted(r) for r in results):
        raise KeyboardInterrupt
    return 0 if all(r.ok for r in results) else 1
