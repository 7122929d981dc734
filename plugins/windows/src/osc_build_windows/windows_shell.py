"""The ``windows-shell`` provisioner: batch scripts run by cmd.exe, as Packer's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import fields

from osc_build.config import option
from osc_build.interfaces import Provisioner
from osc_build.provisioners.scripts import check_exit_code, expand, variables
from osc_build_windows import commands
from osc_build_windows.scripts import WindowsScriptOptionsSchema, retrying, scripts_of

if TYPE_CHECKING:
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator

DEFAULT_EXECUTE_COMMAND = '{{.Vars}}"{{.Path}}"'
DEFAULT_VAR_FORMAT = 'set "%s=%s" && '
DEFAULT_REMOTE_PATH = "c:/Windows/Temp/script.bat"


class WindowsShellOptionsSchema(WindowsScriptOptionsSchema):
    env_var_format = option(fields.String(load_default=DEFAULT_VAR_FORMAT),
                            "printf-style format of one variable in {{.Vars}}.")
    execute_command = option(fields.String(load_default=DEFAULT_EXECUTE_COMMAND),
                             "Command that runs each script; {{.Path}} is the script, "
                             "{{.Vars}} the variables.")
    remote_path = option(fields.String(load_default=DEFAULT_REMOTE_PATH),
                         "Where each script is uploaded on the machine.")


def command_line(config: Any, env: dict[str, str]) -> str:
    """The cmd.exe line that runs the uploaded script."""
    return expand(config.execute_command,
                  {"Path": config.remote_path,
                   "Vars": commands.cmd_env_prefix(env, config.env_var_format)})


class WindowsShellProvisioner(Provisioner):
    """Uploads batch scripts (or inline commands) to the machine and runs them with cmd.exe."""

    schema = WindowsShellOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Communicator, config: Any) -> None:
        command = command_line(config, variables(ctx, config))
        valid = config.valid_exit_codes or [0]
        for script in scripts_of(config):
            ctx.check_cancelled()
            ctx.ui.say(f"Provisioning with windows-shell script: {script.label}")

            def upload_and_run(script=script) -> int:
                communicator.upload_content(script.content, config.remote_path)
                return communicator.run(command)

            status = retrying(ctx, config.start_retry_timeout, f"running {script.what}",
                              upload_and_run)
            check_exit_code(status, valid, script)
