"""The ``shell-local`` provisioner: run scripts on the machine running osc-build."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields, pre_load, validate

from osc_build.config import option
from osc_build.errors import BuildError, Interrupted
from osc_build.interfaces import Provisioner
from osc_build.provision import CommandTimeout, ProvisionerTimeout, go_duration_text, time_left
from osc_build.provisioners.scripts import (
    ScriptOptionsSchema,
    check_exit_code,
    expand,
    format_vars,
    scripts_of,
    variables,
)

if TYPE_CHECKING:
    from osc_build.context import BuildContext

DEFAULT_EXECUTE_COMMAND = ["/bin/sh", "-c", "{{.Vars}} {{.Script}}"]
OS_NAMES = ("darwin", "freebsd", "linux", "openbsd", "solaris", "windows")


class ShellLocalOptionsSchema(ScriptOptionsSchema):
    command = option(fields.String(load_default=None),
                     "A single command (deprecated: use inline).")
    execute_command = option(
        fields.List(fields.String(), load_default=lambda: list(DEFAULT_EXECUTE_COMMAND)),
        "Command and arguments that run each script; {{.Script}} is its path, {{.Vars}} "
        "the variables.")
    only_on = option(fields.List(fields.String(validate=validate.OneOf(OS_NAMES)),
                                 load_default=None),
                     "Run only on these systems (" + ", ".join(OS_NAMES) + ").")

    @pre_load
    def _command_is_inline(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if isinstance(data, dict) and data.get("command"):
            if data.get("inline"):
                raise ValidationError("command (deprecated) and inline cannot both be set; "
                                      "move the command into inline", field_name="command")
            data = {**data, "inline": [data["command"]]}
        return data


def current_os() -> str:
    return {"win32": "windows", "sunos5": "solaris"}.get(sys.platform,
                                                           sys.platform.rstrip("0123456789"))


def run_local_scripts(ctx: BuildContext, config: Any, *,
                      extra_env: Mapping[str, str] | None = None,
                      timeout: float | None = None) -> None:
    """Run the configured scripts here, one after the other; raise on a bad exit code."""
    only_on = config.only_on
    if only_on and current_os() not in only_on:
        ctx.ui.say("Skipping shell-local due to runtime OS")
        return
    env = variables(ctx, config, extra_env)
    env_vars = format_vars(env, config.env_var_format or "%s='%s' ")
    valid = config.valid_exit_codes or [0]
    with tempfile.TemporaryDirectory(prefix="osc-build-shell-local-") as tmp:
        for index, script in enumerate(scripts_of(config)):
            ctx.check_cancelled()
            path = Path(tmp) / f"script_{index}.sh"
            path.write_bytes(script.content)
            path.chmod(0o700)
            ctx.ui.say(f"Running local shell script: {script.label}")
            argv = [expand(arg, {"Vars": env_vars, "Script": str(path)})
                    for arg in config.execute_command or DEFAULT_EXECUTE_COMMAND]
            status = run_local(ctx, argv, env=env, timeout=timeout)
            check_exit_code(status, valid, script)


def run_local(ctx: BuildContext, argv: Sequence[str], *, env: Mapping[str, str],
              timeout: float | None = None,
              on_line: Callable[[str], None] | None = None) -> int:
    """Run ``argv`` with the environment plus ``env``, streaming its output; return its status.

    Each line goes to the build's UI, or to ``on_line`` (which can read it and show it).
    Cancellation and ``timeout`` kill the command's whole process group.
    """
    try:
        proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env={**os.environ, **env},
                                start_new_session=True)
    except OSError as err:
        raise BuildError(f"cannot run {argv[0]!r}: {err.strerror}; check execute_command") \
            from None
    emit = on_line or ctx.ui.message
    readers = [threading.Thread(target=_pump, args=(stream, emit), daemon=True)
               for stream in (proc.stdout, proc.stderr)]
    for reader in readers:
        reader.start()
    try:
        _wait(ctx, proc, timeout)
    finally:
        if proc.poll() is None:
            _kill(proc)
        for reader in readers:
            reader.join(5)
    return proc.returncode


def _wait(ctx: BuildContext, proc: subprocess.Popen, timeout: float | None) -> None:
    waited = 0.0
    while True:
        try:
            proc.wait(0.1)
            return
        except subprocess.TimeoutExpired:
            waited += 0.1
        if ctx.cancelled.is_set():
            raise Interrupted(f"build {ctx.name!r} was interrupted during a local command")
        if timeout is not None and waited >= timeout:
            raise CommandTimeout(f"local command timed out after {timeout:g}s")


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 9)
    proc.wait()


def _pump(stream: Any, emit: Callable[[str], None]) -> None:
    with stream:
        for raw in iter(stream.readline, b""):
            emit(raw.decode("utf-8", errors="replace").rstrip("\r\n"))


class ShellLocalProvisioner(Provisioner):
    """Runs scripts (or inline commands) on the machine running osc-build, not the VM."""

    schema = ShellLocalOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Any, config: Any) -> None:
        left = time_left(communicator)
        try:
            run_local_scripts(ctx, config, timeout=left)
        except CommandTimeout as err:
            if left is None:
                raise
            total = getattr(communicator, "timeout", left)
            raise ProvisionerTimeout(f"timed out after {go_duration_text(total)}") from err
