"""``osc-build inspect TEMPLATE``: show the evaluated builds, sources, variables and steps."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from osc_build.cli.build_arguments import add_variable_options

    parser = subparsers.add_parser(
        "inspect", help="show what a template evaluates to",
        description="Evaluate the template (data sources are not run: their values show as "
                    "<unknown>) and print its variables, locals, builds with each source's "
                    "configuration, provisioners and post-processors. Sensitive values show "
                    "as <sensitive>.")
    parser.add_argument("template", help="a .pkr.hcl or legacy .json file, or a directory")
    add_variable_options(parser)
    parser.add_argument("--json", "-json", action="store_true", dest="as_json",
                        help="print JSON instead of text")
    parser.add_argument("-machine-readable", "--machine-readable", action="store_true",
                        dest="as_json", help="same as --json")
    parser.set_defaults(func=run)


def parse_vars(items: list[str]) -> dict[str, str]:
    """``-var name=value`` items (split on the first ``=``; the last one wins)."""
    from osc_build.errors import UsageError

    values = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f'Invalid -var "{item}": expected NAME=VALUE, as in '
                             "-var region=eu-west-2")
        values[name.strip()] = value
    return values


def run(args: argparse.Namespace) -> int:
    import json

    from osc_build.template import load_template
    from osc_build.template.report import inspect_text, template_to_dict

    template = load_template(args.template, vars=parse_vars(args.var),
                             var_files=args.var_file, datasource=None)
    if args.as_json:
        print(json.dumps(template_to_dict(template), indent=2, ensure_ascii=False))
    else:
        print(inspect_text(template), end="")
    return 0
