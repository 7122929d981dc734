"""The ``osc-build`` command.

Each sub-command lives in its own module ``osc_build.cli.<name>`` with
``add_parser(subparsers)`` and ``run(args) -> int``. Those modules import
nothing heavy at top level: ``osc-build --help`` and ``osc-build version``
must not pay for marshmallow, osc-sdk-python or fabric.

Plugins add commands through the ``osc_build.commands`` entry-point group
(name: the command, value: a module with the same ``add_parser``/``run``):
core knows no cloud, so cloud-specific commands (``leftovers``) live there.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from collections.abc import Sequence

log = logging.getLogger(__name__)

COMMANDS = ("build", "validate", "inspect", "fmt", "console", "init", "plugins", "version",
            "docs")

DESCRIPTION = """\
Build OUTSCALE machine images (OMIs) from Packer templates (HCL2 or JSON), or
without a template: osc-build --builder outscale-bsu --set source_omi=ami-... --shell 'cmd'
"""


class CommandLineParser(argparse.ArgumentParser):
    """argparse, but a bad command line is one ``Error:`` line and exit 1, like other errors."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"Error: {message}; run '{self.prog} --help' for the options", file=sys.stderr)
        sys.exit(1)


def build_parser() -> argparse.ArgumentParser:
    from osc_build.cli.build_arguments import add_template_free_options

    parser = CommandLineParser(prog="osc-build", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true",
                        help="show debug logs and tracebacks (or set OSC_BUILD_LOG=debug)")
    parser.add_argument("-v", "-version", "--version", dest="show_version", action="store_true",
                        help="print the version of osc-build, as `osc-build version`")
    add_template_free_options(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _command_module(name)
        if module is not None:
            module.add_parser(subparsers)
    for name, module in plugin_commands():
        if name not in COMMANDS:  # a plugin cannot replace a core command
            module.add_parser(subparsers)
    return parser


def _version_parser() -> argparse.ArgumentParser:
    """The parser of ``osc-build version [-machine-readable]`` alone: parses such a command
    line as build_parser() does, without importing every command (see _only_version)."""
    parser = CommandLineParser(prog="osc-build")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _command_module("version").add_parser(subparsers)
    return parser


def _only_version(argv: Sequence[str]) -> bool:
    """``version`` with nothing but its own flag: no help, usage or error can be printed."""
    return (len(argv) >= 1 and argv[0] == "version"
            and all(arg in ("-machine-readable", "--machine-readable") for arg in argv[1:]))


COMMANDS_GROUP = "osc_build.commands"


def plugin_commands() -> list[tuple[str, object]]:
    """The commands installed plugins add: (name, module), sorted by name."""
    from importlib.metadata import entry_points

    found = {}
    for point in entry_points(group=COMMANDS_GROUP):
        try:
            found[point.name] = point.load()
        except Exception as err:  # a broken plugin must not break every command
            log.warning("cannot load command %r (%s): %s", point.name, point.value, err)
    return sorted(found.items())


def _command_module(name: str):
    try:
        return importlib.import_module(f"osc_build.cli.{name}")
    except ModuleNotFoundError as err:
        if err.name == f"osc_build.cli.{name}":
            return None  # a command whose module is not part of this version
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``osc-build``; returns the exit code."""
    from osc_build import lazy_regex

    lazy_regex.install()
    if argv is None:
        argv = sys.argv[1:]
    parser = _version_parser() if _only_version(argv) else build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False))
    from osc_build import log as logsetup

    logsetup.configure(debug=debug)
    debug = logging.getLogger().isEnabledFor(logging.DEBUG)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    # Ctrl-C cleans up even when started with SIGINT ignored (a background job of a script),
    # as Packer does: Python installs its handler only when SIGINT is not ignored.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if args.command is None:
            if args.show_version:
                from osc_build.cli import version

                return version.run(args)
            if getattr(args, "builder", None):
                from osc_build.cli import build as build_command

                return build_command.run_template_free(args)
            parser.print_help()
            return 0
        return int(args.func(args) or 0)
    except Exception as err:
        from osc_build.plugins import is_handled

        if not is_handled(err):
            raise
        _report(err, debug)
        return getattr(err, "exit_code", 1)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def _raise_interrupt(signum, frame):
    """SIGTERM (CI cancellation, kill) unwinds like Ctrl-C does."""
    raise KeyboardInterrupt


def _report(err: Exception, debug: bool) -> None:
    from osc_build.log import redact

    if debug:
        log.debug("handled error", exc_info=err)
    for line in redact(str(err)).splitlines() or [type(err).__name__]:
        print(f"Error: {line}", file=sys.stderr)


def run() -> None:
    """Console-script wrapper."""
    sys.exit(main())
