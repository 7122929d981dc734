"""Host commands: every one goes through command_wrapper and ``/bin/sh -c``.

Commands stream their output to the build's UI, stop at once when the build is
cancelled (the whole process group is killed, so nothing keeps the mounts
busy), and a Ctrl-C that reaches Python kills them too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping
from typing import Any

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build.template.legacy import interpolate

log = logging.getLogger(__name__)

POLL = 0.2


def wrap(ctx: BuildContext, command: str) -> str:
    """``command`` inside command_wrapper (``{{.Command}}`` by default)."""
    wrapper = ctx.config.command_wrapper or "{{.Command}}"
    return interpolate(wrapper, {"Command": command})


def render(text: str, data: Mapping[str, Any]) -> str:
    """A command option with its ``{{.Device}}``/``{{.MountPath}}`` data filled in."""
    return interpolate(text, data)


def run(ctx: BuildContext, command: str, *, env: Mapping[str, str] | None = None,
        timeout: float | None = None, quiet: bool = False,
        log_as: str | None = None) -> tuple[int, str]:
    """Run a wrapped host command; return its status and its output.

    ``log_as`` is what the debug log shows instead of the command (which may hold
    variable values). Raises :class:`osc_build.errors.Interrupted` when the build is
    cancelled and ``subprocess.TimeoutExpired`` after ``timeout`` seconds, having killed it.
    """
    full = wrap(ctx, command)
    log.debug("%s: host command: %s", ctx.name, log_as or full)
    process = subprocess.Popen(["/bin/sh", "-c", full], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    output: list[str] = []
    started = time.monotonic()
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            pending = b""
            while True:
                if selector.select(POLL):
                    chunk = os.read(process.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        _emit(ctx, line, output, quiet)
                elif process.poll() is not None:
                    break  # exited; a daemon it started may keep the pipe open
                ctx.check_cancelled()
                if timeout is not None and time.monotonic() - started > timeout:
                    raise subprocess.TimeoutExpired(full, timeout)
            if pending:
                _emit(ctx, pending, output, quiet)
        status = process.wait()
    except BaseException:
        kill(process)
        raise
    finally:
        process.stdout.close()
    return status, "\n".join(output)


def check(ctx: BuildContext, command: str, *, what: str, quiet: bool = False) -> str:
    """Run a wrapped host command that must succeed; a failure says ``what`` failed."""
    status, output = run(ctx, command, quiet=quiet)
    if status != 0:
        tail = output.strip().splitlines()[-1:] or ["no output"]
        raise BuildError(f"{what} failed (exit status {status}: {tail[0]}); command: "
                         f"{wrap(ctx, command)}")
    return output


def kill(process: subprocess.Popen) -> None:
    """Kill a command and everything it started (its own process group)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        log.warning("process %d did not exit after SIGKILL", process.pid)


def _emit(ctx: BuildContext, line: bytes, output: list[str], quiet: bool) -> None:
    text = line.decode(errors="replace").rstrip("\r")
    output.append(text)
    if quiet:
        log.debug("%s: %s", ctx.name, text)
    else:
        ctx.ui.message(text)
