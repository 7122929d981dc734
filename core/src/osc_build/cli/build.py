"""``osc-build build TEMPLATE`` and the template-free ``osc-build --builder NAME ...``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from osc_build.errors import ConfigError, UsageError

ON_ERROR_CHOICES = ("cleanup", "abort", "ask", "run-cleanup-provisioner")


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
    plan = BuildPlan(name=f"{args.builder}.{args.name}", builder=args.builder,
                     options=options, where="--set/--config", provisioners=provisioners)
    return execute([plan], args)


def execute(plans: list, args: argparse.Namespace) -> int:
    """Prepare every build (no cloud call), run them, print the Packer-style outcome."""
    from osc_build import runner
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
    _print_outcome(results, time.monotonic() - started,
                   machine_readable=bool(getattr(args, "machine_readable", False)))
    if any(_interrupted(r) for r in results):
        raise KeyboardInterrupt
    return 0 if all(r.ok for r in results) else 1


def run_all(prepared: list, parallel: int) -> list:
    """Run the builds, in threads when there are several; Ctrl-C cancels them all."""
    from osc_build import runner

    if len(prepared) == 1 or parallel == 1:
        results = []
        for item in prepared:  # one after the other: a Ctrl-C stops the rest from starting
            results.append(runner.run(item))
            if _interrupted(results[-1]):
                break
        return results
    return _run_in_threads(prepared, parallel)


def _run_in_threads(prepared: list, parallel: int) -> list:
    """Only the main thread gets signals: it cancels the builds, and asks for all of them.

    The first Ctrl-C cancels every build (each unwinds its own undo log); a
    second one during their cleanup asks once whether to abandon it, for all.
    """
    from concurrent.futures import ThreadPoolExecutor, wait

    from osc_build import resources, runner

    logs = [item.ctx.resources for item in prepared]
    with ThreadPoolExecutor(max_workers=parallel or len(prepared)) as pool:
        futures = [pool.submit(runner.run, item) for item in prepared]
        interrupts, abandoned = 0, False
        pending = set(futures)
        while pending:
            try:
                _, pending = wait(pending, timeout=0.1)
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts == 1:
                    for item in prepared:
                        item.ctx.cancelled.set()
                    continue
                if abandoned:  # deletions under way end on their own; then the ids are listed
                    _say_under_way(logs, "Cleanup abandoned; waiting for the deletions under way")
                    continue
                left = "; ".join(f"{item.ctx.name}: {resources.names(remaining)}"
                                 for item in prepared
                                 if (remaining := item.ctx.resources.remaining))
                if not left or not resources.ask_abandon(left):
                    continue
                abandoned = True
                for log in logs:
                    log.abandon()
                _say_under_way(logs, "Abandoning cleanup once the deletions under way end")
        return [f.result() for f in futures]


def _say_under_way(logs: list, message: str) -> None:
    """``message``, with the deletions the builds' unwinds are making now, if any."""
    from osc_build.resources import names

    under_way = [entry for log in logs if (entry := log.under_way)]
    if under_way:
        print(f"==> {message}: {names(under_way)}", file=sys.stderr, flush=True)


def _interrupted(result) -> bool:
    from osc_build.errors import Interrupted

    return isinstance(result.error, KeyboardInterrupt | Interrupted)


def _print_outcome(results: list, elapsed: float, *, machine_readable: bool = False) -> None:
    """Packer's summary; with ``-machine-readable`` also its error and artifact records."""
    from osc_build.ui import MachineUi

    out = MachineUi(machine_readable)
    out.say(f"==> Wait completed after {_duration(elapsed)}")
    failed = [r for r in results if r.error is not None]
    if failed:
        out.machine("", "error-count", str(len(failed)))
        out.error("\n==> Some builds didn't complete successfully and had errors:")
        for result in failed:
            message = str(result.error).strip() or (
                "interrupted" if isinstance(result.error, KeyboardInterrupt)
                else type(result.error).__name__)
            out.machine(result.name, "error", message)
            out.error(f"--> {result.name}: {message.splitlines()[0]}")
    _print_resources(out, results)
    built = [r for r in results if r.artifact is not None]
    if built:
        out.say("\n==> Builds finished. The artifacts of successful builds are:")
        for result in built:
            artifacts = [result.artifact, *result.post_artifacts]
            out.machine(result.name, "artifact-count", str(len(artifacts)))
            for index, artifact in enumerate(artifacts):
                _machine_artifact(out, result.name, str(index), artifact)
                out.say(f"--> {result.name}: {artifact}")
    else:
        out.say("\n==> Builds finished but no artifacts were created.")


def _print_resources(out, results: list) -> None:
    """What the failed builds deleted, could not delete, or left in place on purpose."""
    cleaned = [(r.name, item) for r in results for item in r.cleaned]
    if cleaned:
        out.say("\n==> Deleted the temporary resources of failed builds:")
        for name, item in cleaned:
            out.say(f"--> {name}: {item}")
    leaked = [(r.name, leak) for r in results for leak in r.leaked]
    if leaked:
        out.error("\n==> Could not delete these temporary resources; delete them by hand:")
        for name, leak in leaked:
            out.error(f"--> {name}: {leak}")
        for command in dict.fromkeys(r.leftovers_command for r in results
                                     if r.leaked and r.leftovers_command):
            out.error(f"==> To delete them later: {command}")
    kept = [(r.name, item) for r in results for item in r.kept]
    if kept:
        modes = sorted({r.kept_by for r in results if r.kept})
        out.say(f"\n==> Left in place (on-error={', '.join(modes)}):")
        for name, item in kept:
            out.say(f"--> {name}: {item}")


def _machine_artifact(out, name: str, index: str, artifact) -> None:
    """Packer's ``artifact`` records of one artifact (``nil`` when nothing was made)."""
    if artifact.empty:
        out.machine(name, "artifact", index, "nil")
    else:
        out.machine(name, "artifact", index, "builder-id", artifact.builder_id)
        out.machine(name, "artifact", index, "id", artifact.id)
        out.machine(name, "artifact", index, "string", str(artifact))
        out.machine(name, "artifact", index, "files-count", str(len(artifact.files)))
        for file_index, path in enumerate(artifact.files):
            out.machine(name, "artifact", index, "file", str(file_index), path)
    out.machine(name, "artifact", index, "end")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    millis = int((seconds - int(seconds)) * 1000)
    parts = [f"{minutes} minutes"] if minutes else []
    parts.append(f"{secs} seconds {millis} milliseconds")
    return " ".join(parts)


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
