"""The ``shell`` provisioner: upload scripts to the machine and run them there."""

from __future__ import annotations

import logging
import posixpath
import random
import shlex
from typing import TYPE_CHECKING, Any

from marshmallow import fields

from osc_build.config import option
from osc_build.errors import BuildError
from osc_build.interfaces import Provisioner
from osc_build.provision import DISCONNECTED
from osc_build.provisioners.scripts import (
    ScriptOptionsSchema,
    check_exit_code,
    expand,
    format_vars,
    scripts_of,
    upload_bytes,
    variables,
)

if TYPE_CHECKING:
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator

log = logging.getLogger(__name__)

DEFAULT_EXECUTE_COMMAND = "chmod +x {{.Path}}; {{.Vars}} {{.Path}}"
UNEXPECTED_DISCONNECT = (
    "script disconnected unexpectedly. If you expected your script to disconnect, i.e. from "
    "a restart, you can try adding expect_disconnect = true or valid_exit_codes = "
    f"[0, {DISCONNECTED}] to the shell provisioner parameters")


class ShellOptionsSchema(ScriptOptionsSchema):
    execute_command = option(fields.String(load_default=DEFAULT_EXECUTE_COMMAND),
                             "Command that runs each script; {{.Path}} is the script, "
                             "{{.Vars}} the variables.")
    remote_folder = option(fields.String(load_default="/tmp"),
                           "Directory on the machine where scripts are uploaded.")
    remote_file = option(fields.String(load_default=None),
                         "File name of the uploaded script (default: script_NNNN.sh, NNNN random).")
    remote_path = option(fields.String(load_default=None),
                         "Full remote path of the script; wins over remote_folder/remote_file.")
    expect_disconnect = option(fields.Boolean(load_default=False),
                               "A script that drops the connection (a reboot) is not an error.")
    skip_clean = option(fields.Boolean(load_default=False),
                        "Leave the uploaded script on the machine.")
    binary = option(fields.Boolean(load_default=False),
                    "Upload scripts as they are; otherwise CRLF line ends become LF.")


class ShellProvisioner(Provisioner):
    """Uploads shell scripts (or inline commands) to the machine and runs them over the
    communicator, streaming their output."""

    schema = ShellOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Communicator,
                  config: Any) -> None:
        remote_path = config.remote_path or posixpath.join(
            config.remote_folder or "/tmp",
            config.remote_file or f"script_{random.randrange(10000)}.sh")
        env_vars = format_vars(variables(ctx, config), config.env_var_format)
        command = expand(config.execute_command,
                         {"Path": shlex.quote(remote_path), "Vars": env_vars})
        valid = config.valid_exit_codes or [0]
        for script in scripts_of(config):
            ctx.check_cancelled()
            ctx.ui.say(f"Provisioning with shell script: {script.label}")
            content = script.content if config.binary else script.content.replace(
                b"\r\n", b"\n")
            upload_bytes(communicator, content, remote_path, 0o755)
            status = communicator.run(command)
            if status == DISCONNECTED and (config.expect_disconnect
                                           or DISCONNECTED in valid):
                log.info("%s: %s disconnected, as expected", ctx.name, script.label)
            elif status == DISCONNECTED:
                raise BuildError(UNEXPECTED_DISCONNECT)
            else:
                check_exit_code(status, valid, script)
            if not config.skip_clean:
                _remove(ctx, communicator, remote_path)


def _remove(ctx: BuildContext, communicator: Communicator, remote_path: str) -> None:
    try:
        status = communicator.run(f"rm -f {shlex.quote(remote_path)}")
    except BuildError as err:
        log.warning("%s: could not remove %s: %s", ctx.name, remote_path, err)
        return
    if status != 0:
        log.warning("%s: removing %s exited with %d", ctx.name, remote_path, status)
