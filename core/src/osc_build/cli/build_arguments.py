"""The arguments of ``osc-build build`` and of the template-free ``osc-build --builder``.

Declared here for every command that shares them (validate, inspect, console
take the variable options), and turned into a build plan for ``--builder``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osc_build.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from osc_build.runner import BuildPlan

# What -on-error accepts, as Packer (BuildContext.on_error holds the choice).
ON_ERROR_CHOICES = ("cleanup", "abort", "ask", "run-cleanup-provisioner")


def add_variable_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-var", "--var", action="append", default=[], metavar="NAME=VALUE",
                        help="set a template variable (repeatable)")
    parser.add_argument("-var-file", "--var-file", action="append", default=[], metavar="FILE",
                        help="read variables from a .pkrvars.hcl or .json file (repeatable)")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-on-error", "--on-error", choices=ON_ERROR_CHOICES, default="cleanup",
                        help="what to do when a build fails (default: cleanup)")
    parser.add_argument("-color", "--color", choices=("true", "false"), default=None,
                        help="colour the output (default: when on a terminal)")
    parser.add_argument("-timestamp-ui", "--timestamp-ui", action="store_true",
                        help="prefix each output line with a timestamp")
    parser.add_argument("-machine-readable", "--machine-readable", action="store_true",
                        help="print Packer's machine-readable output")
    parser.add_argument("--local", "-local", action="store_true",
                        help="build on the local OUTSCALE simulator (started if needed)")


def add_template_free_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "template-free build", "build with one builder and options given on the command line")
    group.add_argument("--builder", metavar="NAME", help="the builder to run, e.g. outscale-bsu")
    group.add_argument("--config", metavar="FILE", type=Path,
                       help="the builder's options as a JSON object")
    group.add_argument("--set", dest="set_options", action="append", default=[],
                       metavar="KEY=VALUE", help="set an option (JSON values accepted; "
                       "dotted keys nest: tags.Name=web)")
    group.add_argument("--shell", action="append", default=[], metavar="CMD",
                       help="provision with a shell command (repeatable)")
    group.add_argument("--script", action="append", default=[], metavar="FILE",
                       help="provision with a local script run remotely (repeatable)")
    group.add_argument("--upload", action="append", default=[], metavar="SRC:DST",
                       help="upload a file or directory before the scripts (repeatable)")
    group.add_argument("--provisioner", action="append", default=[], metavar="TYPE=JSON",
                       help="any provisioner with its options as JSON, e.g. "
                       "'shell-local={\"inline\": [\"make\"]}' (repeatable)")
    group.add_argument("--name", default="cli", help="the source name (default: cli)")
    group.add_argument("--local", dest="local", action="store_true",
                       help="build on the local OUTSCALE simulator (started if needed)")


def template_free_plan(args: argparse.Namespace) -> BuildPlan:
    """The one build ``--builder NAME [--config FILE] [--set k=v] [--shell CMD] ...`` asks for."""
    from osc_build.provision import ProvisionerCall
    from osc_build.runner import BuildPlan

    options: dict[str, Any] = {}
    if args.config is not None:
        options.update(_read_config_file(args.config))
    for item in args.set_options:
        key, value = _parse_assignment(item, "--set")
        _set_dotted(options, key, value)
    provisioners = []
    for item in args.upload:
        source, sep, destination = item.rpartition(":")
        if not sep or not source or not destination:
            raise UsageError(f"--upload {item!r}: expected SRC:DST, e.g. "
                             "--upload ./files:/tmp/files")
        provisioners.append(ProvisionerCall("file", {"source": source,
                                                     "destination": destination}))
    if args.shell:
        provisioners.append(ProvisionerCall("shell", {"inline": list(args.shell)}))
    for script in args.script:
        provisioners.append(ProvisionerCall("shell", {"script": script}))
    for item in args.provisioner:
        type_, sep, raw = item.partition("=")
        try:
            settings = json.loads(raw) if sep else {}
        except json.JSONDecodeError as err:
            raise UsageError(f"--provisioner {item!r}: invalid JSON options: {err.msg}; "
                             "expected TYPE={\"option\": value}") from None
        if not type_ or not isinstance(settings, dict):
            raise UsageError(f"--provisioner {item!r}: expected TYPE or TYPE=JSON-object")
        provisioners.append(ProvisionerCall(type_, settings))
    return BuildPlan(name=f"{args.builder}.{args.name}", builder=args.builder,
                     options=options, where="--set/--config", provisioners=provisioners)


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"--config {str(path)!r}: cannot read it: {err.strerror}; "
                         "give the path of a JSON file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}:{err.lineno}:{err.colno}: invalid JSON: {err.msg}; "
                          "the file must hold one JSON object of builder options") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object of builder options, "
                          f"got {type(data).__name__}")
    return data


def _parse_assignment(item: str, flag: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"{flag} {item!r}: expected KEY=VALUE, e.g. {flag} vm_type=tinav7.c1r1p2")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def _set_dotted(options: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = options
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise UsageError(f"--set {key}=...: {part!r} is already set to a non-map value")
        node = child
    node[last] = value
