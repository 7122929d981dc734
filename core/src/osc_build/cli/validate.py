"""``osc-build validate TEMPLATE``: check a template and every build's options, no cloud call."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from osc_build.cli.build_arguments import add_variable_options

    parser = subparsers.add_parser(
        "validate", help="check a template without building",
        description="Parse and evaluate the template, then load each source's options with its "
                    "builder's schema and run the prepare checks. Makes no cloud call.")
    parser.add_argument("template", help="a template file or directory")
    add_variable_options(parser)
    parser.add_argument("-only", "--only", action="append", default=[], metavar="GLOB")
    parser.add_argument("-except", "--except", dest="except_", action="append", default=[],
                        metavar="GLOB")
    parser.add_argument("-no-warn-undeclared-var", "--no-warn-undeclared-var",
                        dest="no_warn_undeclared_var", action="store_true",
                        help="do not warn about var-file values of undeclared variables")
    parser.add_argument("-syntax-only", "--syntax-only", dest="syntax_only",
                        action="store_true", help="only check that the files parse")
    parser.add_argument("-evaluate-datasources", "--evaluate-datasources",
                        dest="evaluate_datasources", action="store_true",
                        help="run the data sources (cloud calls, with credentials) instead of "
                        "only checking their options")
    parser.add_argument("-machine-readable", "--machine-readable", dest="machine_readable",
                        action="store_true", help="print Packer's machine-readable records")
    parser.set_defaults(func=run)


def _without_undeclared_warnings(record: logging.LogRecord) -> bool:
    return "Undefined variable" not in record.getMessage()


def run(args: argparse.Namespace) -> int:
    from osc_build.ui import MachineUi

    out = MachineUi(args.machine_readable)
    if args.syntax_only:
        from osc_build.template.loader import check_syntax

        check_syntax(Path(args.template))
        out.say("Syntax-only check passed. Everything looks okay.")
        return 0
    from osc_build import runner
    from osc_build.problems import Problems
    from osc_build.template_plans import plans_from_template
    from osc_build.ui import Ui

    if args.no_warn_undeclared_var:
        for name in ("osc_build.template.loader", "osc_build.template.jsonloader"):
            logging.getLogger(name).addFilter(_without_undeclared_warnings)
    problems = Problems()  # the data blocks' mistakes, then the builds', in one report
    plans = problems.collect(lambda: plans_from_template(
        Path(args.template), vars=args.var, var_files=args.var_file, only=args.only,
        except_=args.except_, evaluate_datasources=args.evaluate_datasources,
        problems=problems))
    if plans:
        problems.collect(lambda: runner.prepare_all(plans, lambda plan: runner.prepare(
            plan, ui=Ui(plan.name, machine_readable=args.machine_readable))))
    problems.raise_any()
    out.say("The configuration is valid.")
    return 0
