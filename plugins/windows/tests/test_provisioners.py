"""powershell, windows-shell and windows-restart: what they upload and run, as Packer does."""

from __future__ import annotations

import base64
import re
import time

import pytest

from osc_build.errors import BuildError, ConfigError
from osc_build.log import redact
from osc_build.provision import DISCONNECTED, ProvisionerCall, prepare_provisioners
from osc_build_windows import restart

PACKER_WRAPPER = (
    'powershell -executionpolicy bypass "& { if (Test-Path variable:global:ProgressPreference)'
    "{set-variable -name variable:global:ProgressPreference -value 'SilentlyContinue'};"
    ". VARS; &'PATH'; exit $LastExitCode }\"")


def wrapper(vars_path, script_path):
    return PACKER_WRAPPER.replace("VARS", vars_path).replace("PATH", script_path)


def prepared(type_, config):
    [item] = prepare_provisioners([ProvisionerCall(type_, config)])
    return item


def provision(build, comm, type_, config):
    item = prepared(type_, config)
    item.provisioner.provision(build.ctx, comm, item.config)


def paths(comm, pattern):
    return [p for p in comm.files if re.fullmatch(pattern, p)]


def test_powershell_inline_runs_packers_wrapper_then_cleans_up(build, comm):
    provision(build, comm, "powershell", {"inline": ["Write-Output one", "exit 0"],
                                          "environment_vars": ['GREETING=say "hi" $now']})
    [env_path] = paths(comm, r"c:/Windows/Temp/packer-ps-env-vars-[0-9a-f-]{36}\.ps1")
    [script] = paths(comm, r"c:/Windows/Temp/script-[0-9a-f-]{36}\.ps1")
    [cleanup] = paths(comm, r"c:/Windows/Temp/packer-cleanup-[0-9a-f-]{36}\.ps1")
    assert comm.files[script] == b"Write-Output one\nexit 0\n"
    assert comm.files[env_path] == (b'$env:GREETING="say `"hi`" `$now"; '
                                    b'$env:PACKER_BUILDER_TYPE="outscale-bsu"; '
                                    b'$env:PACKER_BUILD_NAME="main"; ')
    assert comm.commands == [wrapper(env_path, script),
                             wrapper(env_path, cleanup)]
    assert comm.files[cleanup].decode().splitlines() == [
        f"if (Test-Path {p}) {{Remove-Item {p}}}" for p in (env_path, script, cleanup)]
    assert "Provisioning with powershell script: inline script" in build.output


def test_powershell_scripts_policy_paths_and_exit_codes(build, comm, tmp_path):
    one, two = tmp_path / "one.ps1", tmp_path / "two.ps1"
    one.write_text("Write-Output 1\n")
    two.write_text("exit 3\n")
    comm.statuses = [0, 3]
    provision(build, comm, "powershell", {
        "scripts": [str(one), str(two)], "execution_policy": "none", "skip_clean": True,
        "valid_exit_codes": [0, 3], "remote_path": "C:/scripts/run.ps1",
        "remote_env_var_path": "C:/scripts/vars.ps1"})
    assert comm.files["C:/scripts/run.ps1"] == b"exit 3\n"  # the last one uploaded
    assert comm.commands == [
        "& { if (Test-Path variable:global:ProgressPreference){set-variable -name "
        "variable:global:ProgressPreference -value 'SilentlyContinue'};. C:/scripts/vars.ps1; "
        "&'C:/scripts/run.ps1'; exit $LastExitCode }"] * 2
    comm.statuses = [5]
    with pytest.raises(BuildError, match=r"script .*one\.ps1 exited with non-zero exit status: "
                                         r"5\. Allowed exit codes are: \[0\]"):
        provision(build, comm, "powershell", {"script": str(one), "skip_clean": True})


def test_powershell_custom_command_and_option_errors(build, comm):
    provision(build, comm, "powershell", {
        "inline": ["x"], "skip_clean": True, "remote_path": "C:/s.ps1",
        "remote_env_var_path": "C:/v.ps1",
        "execute_command": "powershell -File {{.Path}} -Vars {{.Vars}}"})
    assert comm.commands == ["powershell -File C:/s.ps1 -Vars C:/v.ps1"]
    provision(build, comm, "powershell", {
        "inline": ["x"], "skip_clean": True, "remote_path": "C:/s.ps1",
        "remote_env_var_path": "C:/v.ps1", "use_pwsh": True, "debug_mode": 1})
    assert comm.commands[-1] == wrapper("C:/v.ps1", "C:/s.ps1").replace(
        "powershell -", "pwsh -").replace(". C:/v.ps1", "Set-PsDebug -Trace 1;. C:/v.ps1")
    with pytest.raises(ConfigError) as info:
        prepared("powershell", {"inline": ["x"], "execution_policy": "lax"})
    assert "execution_policy: must be one of: bypass, allsigned" in str(info.value)
    with pytest.raises(ConfigError) as info:
        prepared("powershell", {"inline": ["x"], "elevated_password": "p"})
    assert "must supply an 'elevated_user' if 'elevated_password' is provided" in str(info.value)


def test_powershell_elevated_runs_a_scheduled_task_and_removes_it(build, comm):
    provision(build, comm, "powershell", {
        "inline": ["whoami"], "skip_clean": True, "elevated_user": "Administrator",
        "elevated_password": "Elev-Pa55-sentinel", "remote_path": "C:/s.ps1",
        "remote_env_var_path": "C:/v.ps1"})
    [runner] = paths(comm, r"C:/Windows/Temp/packer-elevated-[0-9a-f-]{36}\.ps1")
    [inner] = paths(comm, r"C:/Windows/Temp/packer-elevated-shell-[0-9a-f-]{36}\.ps1")
    assert comm.files[inner].decode() == wrapper("C:/v.ps1", "C:/s.ps1")
    text = comm.files[runner].decode()
    assert "New-Object -ComObject 'Schedule.Service'" in text
    assert "<UserId>Administrator</UserId>" in text and "$password = 'Elev-Pa55-sentinel'" in text
    assert f'-file "{inner}" &gt; %SYSTEMROOT%' in text
    assert comm.commands[0] == f'powershell -executionpolicy bypass -file "{runner}"'
    encoded = comm.commands[1].rsplit(" ", 1)[1]
    removal = base64.b64decode(encoded).decode("utf-16-le")
    assert f"Remove-Item '{runner}' -Force" in removal
    assert f"Remove-Item '{inner}' -Force" in removal
    assert redact("Elev-Pa55-sentinel") == "<redacted>"


def test_windows_shell_sets_variables_and_runs_the_batch_file(build, comm, tmp_path):
    provision(build, comm, "windows-shell", {"inline": ["echo %FOO%", "exit /b 0"],
                                             "environment_vars": ["FOO=bar"]})
    assert comm.files["c:/Windows/Temp/script.bat"] == b"echo %FOO%\nexit /b 0\n"
    assert comm.commands == ['set "FOO=bar" && set "PACKER_BUILDER_TYPE=outscale-bsu" && '
                             'set "PACKER_BUILD_NAME=main" && "c:/Windows/Temp/script.bat"']
    comm.statuses = [1]
    with pytest.raises(BuildError, match="inline script exited with non-zero exit status: 1"):
        provision(build, comm, "windows-shell", {"inline": ["exit /b 1"]})


def test_windows_shell_retries_while_the_machine_cannot_be_reached(build, comm, monkeypatch):
    from osc_build_windows import scripts

    monkeypatch.setattr(scripts, "RETRY_EVERY", 0.01)
    comm.statuses = [BuildError("cannot start a command over WinRM"), 0]
    provision(build, comm, "windows-shell", {"inline": ["ver"]})
    assert len(comm.commands) == 2
    comm.statuses = [BuildError("cannot start a command over WinRM")] * 50
    with pytest.raises(BuildError, match=r"running inline script: cannot start a command over "
                                         r"WinRM \(retried for start_retry_timeout = 0\.05s\)"):
        provision(build, comm, "windows-shell", {"inline": ["ver"],
                                                 "start_retry_timeout": "0.05s"})


@pytest.fixture
def fast_restart(monkeypatch):
    monkeypatch.setattr(restart, "POLL_EVERY", 0.01)
    monkeypatch.setattr(restart, "_sleep", lambda ctx, secs: None)


def test_restart_waits_for_the_shutdown_then_for_the_check(build, comm, fast_restart):
    # the restart is accepted, a second one is refused (in progress), then WinRM is gone,
    # the check fails once while the machine boots, then succeeds
    comm.statuses = [0, 1115, DISCONNECTED, BuildError("cannot start"), 0]
    provision(build, comm, "windows-restart", {})
    assert comm.commands == [
        'shutdown /r /f /t 0 /c "packer restart"',
        'shutdown /r /f /t 60 /c "packer restart test"',
        'shutdown /r /f /t 60 /c "packer restart test"',
        "powershell -command \"& {Write-Output 'restarted.'}\"",
        "powershell -command \"& {Write-Output 'restarted.'}\""]
    assert "Machine successfully restarted, moving on" in build.output


def test_restart_dropping_the_connection_needs_no_test_restart(build, comm, fast_restart):
    comm.statuses = [DISCONNECTED, 0]
    provision(build, comm, "windows-restart", {"restart_command": "Restart-Computer -Force",
                                               "restart_check_command": "echo back"})
    assert comm.commands == ["Restart-Computer -Force", "echo back"]


def test_restart_that_never_comes_back_times_out_clearly(build, comm, fast_restart,
                                                        monkeypatch):
    monkeypatch.setattr(restart, "_sleep", lambda ctx, secs: time.sleep(secs))
    comm.statuses = [DISCONNECTED] + [1] * 1_000
    with pytest.raises(BuildError, match=r"timeout waiting for the machine to restart "
                                         r"\(restart_timeout = 0\.1s\)"):
        provision(build, comm, "windows-restart", {"restart_timeout": "0.1s"})
