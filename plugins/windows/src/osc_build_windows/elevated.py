"""Running a command as another user with full rights: Packer's scheduled-task wrapper.

WinRM sessions run with a filtered token; Packer's ``elevated_user`` runs the
provisioner's command as a Windows scheduled task of that user (Task Scheduler's
COM API), copies the task's log to the output while it runs, and exits with the
task's result. This generates the same kind of wrapper script; the command itself
goes in a file of its own so that no quoting can break the task's XML.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from osc_build_windows.commands import ps_literal


@dataclass(frozen=True)
class ElevatedRun:
    command_path: str  # the command, in a .ps1 of its own
    command_script: str
    wrapper_path: str  # the wrapper that registers and runs the task
    wrapper_script: str
    run_command: str  # the cmd line that runs the wrapper


def elevated_run(command: str, user: str, password: str) -> ElevatedRun:
    """The files to upload and the command to run ``command`` as ``user``."""
    task = f"packer-{uuid.uuid4()}"
    command_path = f"C:/Windows/Temp/packer-elevated-shell-{task[7:]}.ps1"
    wrapper_path = f"C:/Windows/Temp/packer-elevated-{task[7:]}.ps1"
    log_path = f"%SYSTEMROOT%\\Temp\\{task}.out"
    arguments = escape(f"/c powershell -executionpolicy bypass -file \"{command_path}\" "
                       f"> {log_path} 2>&1")
    xml = f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{escape(task)}: a command of osc-build</Description>
  </RegistrationInfo>
  <Principals>
    <Principal id="Author">
      <UserId>{escape(user)}</UserId>
      <LogonType>Password</LogonType>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>false</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings><StopOnIdleEnd>false</StopOnIdleEnd><RestartOnIdle>false</RestartOnIdle></IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>4</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec><Command>cmd</Command><Arguments>{arguments}</Arguments></Exec>
  </Actions>
</Task>"""
    # LogonType 1 (password) for a user with a password, 5 (service account) without.
    wrapper = "\n".join([
        f"$name = {ps_literal(task)}",
        f"$log = [System.Environment]::ExpandEnvironmentVariables({ps_literal(log_path)})",
        "$s = New-Object -ComObject 'Schedule.Service'",
        "$s.Connect()",
        "$t = $s.NewTask($null)",
        f"$t.XmlText = {ps_literal(xml)}",
        f"$user = {ps_literal(user)}",
        f"$password = {ps_literal(password)}",
        "$logon = 1",
        "if ($password.Length -eq 0) { $logon = 5; $password = $null }",
        "$f = $s.GetFolder('\\')",
        "$registered = $f.RegisterTaskDefinition($name, $t, 6, $user, $password, $logon, $null)",
        "$task = $f.GetTask(\"\\$name\")",
        "$running = $task.Run($null)",
        "$sec = 0",
        "while ((-not ($task.State -eq 4)) -and ($sec -lt 10)) { Start-Sleep -Seconds 1; $sec++ }",
        "$line = 0",
        "do {",
        "  Start-Sleep -Milliseconds 100",
        "  if (Test-Path $log) {",
        "    Get-Content $log | Select-Object -Skip $line | ForEach-Object { $line += 1; "
        "Write-Output \"$_\" }",
        "  }",
        "} while (-not ($task.State -eq 3))",
        "$result = $task.LastTaskResult",
        "if (Test-Path $log) { Remove-Item $log -Force -ErrorAction SilentlyContinue }",
        "$f.DeleteTask($name, 0)",
        "$released = [System.Runtime.Interopservices.Marshal]::ReleaseComObject($s)",
        "exit $result",
    ])
    return ElevatedRun(command_path, command, wrapper_path, wrapper,
                       f'powershell -executionpolicy bypass -file "{wrapper_path}"')
