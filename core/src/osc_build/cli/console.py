"""``osc-build console [TEMPLATE]``: evaluate HCL expressions against a template."""

from __future__ import annotations

import argparse
import sys

HELP = """The console evaluates HCL expressions with the template's variables and locals.
Commands: help, variables, exit. Anything else is evaluated, e.g. upper(var.region).
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from osc_build.cli.build_arguments import add_variable_options

    parser = subparsers.add_parser(
        "console", help="evaluate expressions interactively",
        description="A REPL that evaluates HCL expressions in the template's context (var., "
                    "local., path., packer.; data sources are not run). With piped input, "
                    "only the last result is printed.")
    parser.add_argument("template", nargs="?", help="a .pkr.hcl file or directory")
    add_variable_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from osc_build.cli.inspect import parse_vars
    from osc_build.errors import TemplateError
    from osc_build.template import load_template
    from osc_build.template.console import Console
    from osc_build.template.report import template_to_dict

    template = None
    if args.template:
        template = load_template(args.template, vars=parse_vars(args.var),
                                 var_files=args.var_file, datasource=None)
    console = Console(template)
    interactive = sys.stdin.isatty()
    last, failed = None, False
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        line = line.strip()
        if not line:
            continue
        if line == "exit":
            break
        if line == "help":
            output = HELP.rstrip()
        elif line == "variables":
            data = template_to_dict(template) if template else {"variables": {}, "locals": {}}
            output = "\n".join([f"var.{k}: {json.dumps(v)}" for k, v in
                                data["variables"].items()] +
                               [f"local.{k}: {json.dumps(v)}" for k, v in
                                data["locals"].items()])
        else:
            try:
                output, failed = console.evaluate(line), False
            except TemplateError as exc:
                output, failed = f"Error: {exc}", True
        if interactive:
            print(output)
        last = output
    if not interactive and last is not None:
        print(last)
    return 1 if failed and not interactive else 0
