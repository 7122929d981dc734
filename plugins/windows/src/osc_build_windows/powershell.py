"""The ``powershell`` provisioner: PowerShell scripts on the machine, as Packer runs them.

Each script is uploaded to ``remote_path``, the variables to a script of their own
(``remote_env_var_path``, ``$env:K="V"; ``) that ``execute_command`` dot-sources
before running it: Packer's wrapper, byte for byte by default. With ``elevated_user``
the command runs as a scheduled task of that user (:mod:`osc_build_windows.elevated`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields, validate

from osc_build.communicators.options import Duration
from osc_build.config import cross_check, option
from osc_build.durations import seconds
from osc_build.errors import BuildError
from osc_build.interfaces import Provisioner
from osc_build.log import register_secret
from osc_build.provisioners.scripts import check_exit_code, expand, variables
from osc_build_windows import commands
from osc_build_windows.elevated import elevated_run
from osc_build_windows.scripts import WindowsScriptOptionsSchema, retrying, scripts_of

if TYPE_CHECKING:
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator

log = logging.getLogger(__name__)

EXECUTION_POLICIES = ("bypass", "allsigned", "default", "remotesigned", "restricted",
                      "undefined", "unrestricted", "none")
DEFAULT_VAR_FORMAT = '$env:%s="%s"; '


def default_execute_command(execution_policy: str = "bypass", debug_mode: int = 0,
                            use_pwsh: bool = False) -> str:
    """Packer's default: quiet progress, dot-source the variables, run, pass the exit code."""
    body = ("& { if (Test-Path variable:global:ProgressPreference)"
            "{set-variable -name variable:global:ProgressPreference -value 'SilentlyContinue'};")
    if debug_mode:
        body += f"Set-PsDebug -Trace {debug_mode};"
    body += ". {{.Vars}}; &'{{.Path}}'; exit $LastExitCode }"
    if execution_policy == "none":
        return body
    exe = "pwsh" if use_pwsh else "powershell"
    return f'{exe} -executionpolicy {execution_policy} "{body}"'


class PowershellOptionsSchema(WindowsScriptOptionsSchema):
    env_var_format = option(fields.String(load_default=DEFAULT_VAR_FORMAT),
                            "printf-style format of one variable in the variables script.")
    execute_command = option(fields.String(load_default=None),
                             "Command that runs each script; {{.Path}} is the script, {{.Vars}} "
                             "the variables script (default: Packer's wrapper, with "
                             "execution_policy).")
    elevated_execute_command = option(fields.String(load_default=None),
                                      "execute_command for elevated_user (default: the same "
                                      "wrapper).")
    elevated_env_var_format = option(fields.String(load_default=DEFAULT_VAR_FORMAT),
                                     "env_var_format for elevated_user.")
    elevated_user = option(fields.String(load_default=None),
                           "Run the scripts as this user, elevated, through a scheduled task.")
    elevated_password = option(fields.String(load_default=None),
                               "Password of elevated_user (e.g. build.Password); never printed.",
                               secret=True)
    execution_policy = option(
        fields.String(load_default="bypass", validate=validate.OneOf(
            EXECUTION_POLICIES, error="must be one of: " + ", ".join(EXECUTION_POLICIES))),
        "PowerShell execution policy of the default execute_command; none: no powershell "
        "command around it.")
    remote_path = option(fields.String(load_default=None),
                         "Where each script is uploaded (default: "
                         "c:/Windows/Temp/script-<uuid>.ps1).")
    remote_env_var_path = option(fields.String(load_default=None),
                                 "Where the variables script is uploaded (default: "
                                 "c:/Windows/Temp/packer-ps-env-vars-<uuid>.ps1).")
    skip_clean = option(fields.Boolean(load_default=False),
                        "Leave the uploaded scripts on the machine.")
    debug_mode = option(fields.Integer(load_default=0, validate=validate.Range(0, 2)),
                        "Set-PsDebug -Trace level (0, 1 or 2) in the default execute_command.")
    use_pwsh = option(fields.Boolean(load_default=False),
                      "Run the default execute_command with pwsh (PowerShell 7) instead of "
                      "Windows PowerShell.")
    pause_after = option(Duration(load_default="0s"),
                         "Wait this long after the provisioner.")

    @cross_check
    def _elevated_pair(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("elevated_password") and not data.get("elevated_user"):
            raise ValidationError("must supply an 'elevated_user' if 'elevated_password' is "
                                  "provided", field_name="elevated_password")


class PowershellProvisioner(Provisioner):
    """Uploads PowerShell scripts (or inline commands) and runs them with Packer's wrapper."""

    schema = PowershellOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Communicator, config: Any) -> None:
        elevated = bool(config.elevated_user)
        if config.elevated_password:
            register_secret(config.elevated_password)
        remote_path = config.remote_path or f"c:/Windows/Temp/script-{uuid.uuid4()}.ps1"
        env_path = (config.remote_env_var_path
                    or f"c:/Windows/Temp/packer-ps-env-vars-{uuid.uuid4()}.ps1")
        fmt = config.elevated_env_var_format if elevated else config.env_var_format
        env_script = commands.ps_env_script(variables(ctx, config), fmt)
        template = (config.elevated_execute_command if elevated else config.execute_command) \
            or default_execute_command(config.execution_policy, config.debug_mode,
                                       config.use_pwsh)
        uploaded = [env_path]
        valid = config.valid_exit_codes or [0]
        retrying(ctx, config.start_retry_timeout, "uploading the variables script",
                 lambda: communicator.upload_content(env_script.encode(), env_path))
        for script in scripts_of(config):
            ctx.check_cancelled()
            ctx.ui.say(f"Provisioning with powershell script: {script.label}")
            target = remote_path
            if target.endswith(("/", "\\")) and script.label != "inline script":
                target += script.label.replace("\\", "/").rsplit("/", 1)[-1]
            command = expand(template, {"Path": target, "Vars": env_path})

            def upload_and_run(script=script, target=target, command=command) -> int:
                communicator.upload_content(script.content, target)
                return self._run(ctx, communicator, config, command)

            status = retrying(ctx, config.start_retry_timeout, f"running {script.what}",
                              upload_and_run)
            uploaded.append(target)
            check_exit_code(status, valid, script)
        if not config.skip_clean:
            self._clean(ctx, communicator, template, env_path, uploaded)
        pause = seconds(config.pause_after or "0s")
        if pause:
            ctx.ui.say(f"Pausing {config.pause_after} after this provisioner...")
            ctx.cancelled.wait(pause)
            ctx.check_cancelled()

    @staticmethod
    def _run(ctx: BuildContext, communicator: Communicator, config: Any, command: str) -> int:
        if not config.elevated_user:
            return communicator.run(command)
        run = elevated_run(command, config.elevated_user, config.elevated_password or "")
        communicator.upload_content(run.command_script.encode(), run.command_path)
        communicator.upload_content(run.wrapper_script.encode(), run.wrapper_path)
        try:
            return communicator.run(run.run_command)
        finally:  # the wrapper holds the password: never left behind, whatever skip_clean
            _remove_quietly(ctx, communicator, [run.wrapper_path, run.command_path])

    @staticmethod
    def _clean(ctx: BuildContext, communicator: Communicator, template: str, env_path: str,
               uploaded: list[str]) -> None:
        """Packer's clean-up: a script that removes the uploaded ones, itself included."""
        cleanup_path = f"c:/Windows/Temp/packer-cleanup-{uuid.uuid4()}.ps1"
        try:
            body = cleanup_script([*uploaded, cleanup_path])
            communicator.upload_content(body.encode(), cleanup_path)
            status = communicator.run(expand(template, {"Path": cleanup_path, "Vars": env_path}))
        except BuildError as err:
            log.warning("%s: the scripts were not removed: %s", ctx.name, err)
            return
        if status != 0:
            log.warning("%s: removing the scripts exited with %d", ctx.name, status)


def cleanup_script(paths: list[str]) -> str:
    """``if (Test-Path X) {Remove-Item X}`` per file, as Packer's clean-up script."""
    return "".join(f"if (Test-Path {p}) {{Remove-Item {p}}}\n" for p in paths)


def _remove_quietly(ctx: BuildContext, communicator: Communicator, paths: list[str]) -> None:
    script = "\n".join(f"if (Test-Path {commands.ps_literal(p)}) "
                       f"{{ Remove-Item {commands.ps_literal(p)} -Force }}" for p in paths)
    try:
        communicator.run(commands.powershell(script))
    except BuildError as err:
        log.warning("%s: could not remove %s: %s", ctx.name, ", ".join(paths), err)
