"""The ``windows-restart`` provisioner: restart the machine and wait until it is back.

As Packer's: run ``restart_command``; make sure the restart has begun (a test
restart command fails while one is in progress or once WinRM is down; if it succeeds
the restart did not happen, so it is aborted and the test ends); then run
``restart_check_command`` until it succeeds, within ``restart_timeout``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from marshmallow import fields

from osc_build.communicators.options import Duration
from osc_build.config import OptionsSchema, not_yet, option
from osc_build.durations import seconds
from osc_build.errors import BuildError
from osc_build.interfaces import Provisioner
from osc_build.provision import DISCONNECTED

if TYPE_CHECKING:
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator

log = logging.getLogger(__name__)

DEFAULT_RESTART_COMMAND = 'shutdown /r /f /t 0 /c "packer restart"'
DEFAULT_CHECK_COMMAND = "powershell -command \"& {Write-Output 'restarted.'}\""
TRY_RESTART_COMMAND = 'shutdown /r /f /t 60 /c "packer restart test"'
ABORT_RESTART_COMMAND = "shutdown /a"
RESTART_IN_PROGRESS = (1115, 1190, 1717)  # "a shutdown is in progress" and its kin
POLL_EVERY = 5.0


class WindowsRestartOptionsSchema(OptionsSchema):
    restart_command = option(fields.String(load_default=DEFAULT_RESTART_COMMAND),
                             "Command that restarts the machine.")
    restart_check_command = option(fields.String(load_default=DEFAULT_CHECK_COMMAND),
                                   "Command that succeeds once the machine is back.")
    restart_timeout = option(Duration(load_default="5m"),
                             "How long to wait for the machine to come back.")
    check_registry = not_yet(fields.Boolean(load_default=False),
                             "Also wait until no pending restart is recorded in the registry.",
                             "the registry is not checked: use restart_check_command")
    registry_keys = not_yet(fields.List(fields.String(), load_default=None),
                            "Registry keys that mean a restart is pending.",
                            "the registry is not checked: use restart_check_command")


class WindowsRestartProvisioner(Provisioner):
    """Restarts a Windows machine and waits for it to come back."""

    schema = WindowsRestartOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Communicator, config: Any) -> None:
        timeout = seconds(config.restart_timeout)
        deadline = time.monotonic() + timeout
        ctx.ui.say("Restarting Machine")
        status = _until_started(ctx, communicator, config.restart_command, deadline,
                                config.restart_timeout)
        if status not in (0, DISCONNECTED, *RESTART_IN_PROGRESS):
            raise BuildError(f"restart command failed with exit code {status}: "
                             f"{config.restart_command}")
        ctx.ui.say("Waiting for machine to restart...")
        if status != DISCONNECTED:  # the connection dropped: it is restarting for sure
            _wait_for_shutdown(ctx, communicator, deadline)
        _wait_until_back(ctx, communicator, config, deadline)
        ctx.ui.say("Machine successfully restarted, moving on")


def _until_started(ctx: BuildContext, communicator: Communicator, command: str,
                   deadline: float, timeout_text: str) -> int:
    while True:
        try:
            return communicator.run(command)
        except BuildError as err:
            if time.monotonic() + POLL_EVERY > deadline:
                raise BuildError(f"cannot run the restart command within restart_timeout "
                                 f"({timeout_text}): {err}") from None
            _sleep(ctx, POLL_EVERY)


def _wait_for_shutdown(ctx: BuildContext, communicator: Communicator, deadline: float) -> None:
    """Packer's test: a second restart request fails while the first one is under way."""
    _sleep(ctx, 1)
    probe = getattr(communicator, "try_run", None)  # runs once, never waits for a reconnect
    while time.monotonic() < deadline:
        try:
            status = probe(TRY_RESTART_COMMAND) if probe else communicator.run(
                TRY_RESTART_COMMAND)
        except BuildError:
            return  # WinRM is down: the machine is restarting
        if status in (DISCONNECTED, 1):
            return
        if status in RESTART_IN_PROGRESS:
            log.info("%s: restart in progress", ctx.name)
            _sleep(ctx, POLL_EVERY)
            continue
        if status == 0:  # our test restart was accepted: cancel it, as Packer does
            communicator.run(ABORT_RESTART_COMMAND)
            return
        return


def _wait_until_back(ctx: BuildContext, communicator: Communicator, config: Any,
                     deadline: float) -> None:
    while True:
        ctx.check_cancelled()
        try:
            status = communicator.run(config.restart_check_command)
            if status == 0:
                return
            log.info("%s: restart check exited with %d; waiting", ctx.name, status)
        except BuildError as err:
            log.info("%s: machine not back yet: %s", ctx.name, err)
        if time.monotonic() + POLL_EVERY > deadline:
            raise BuildError(f"timeout waiting for the machine to restart "
                             f"(restart_timeout = {config.restart_timeout}); the restart "
                             f"check command never succeeded: {config.restart_check_command}")
        _sleep(ctx, POLL_EVERY)


def _sleep(ctx: BuildContext, secs: float) -> None:
    if ctx.cancelled.wait(secs):
        ctx.check_cancelled()
