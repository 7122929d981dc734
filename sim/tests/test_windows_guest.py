"""The Windows guest's interpreters (cmd and PowerShell subset) on a plain directory as C:.

No VM here: the same code runs inside a VM's mount namespace in the machine tests
(``machine/test_windows.py``); these check what each command does, as Windows would.
"""

from __future__ import annotations

import base64
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from osc_build_sim.machine.windows import cmd
from osc_build_sim.machine.windows.runtime import Drive, Guest, GuestError


class Run:
    def __init__(self, root: Path):
        self.root = root
        self.control: list[dict] = []
        self.slept: list[float] = []

    def __call__(self, line: str, shutdown_pending: bool = False) -> tuple[int, str, str]:
        out, err = bytearray(), bytearray()
        guest = Guest(Drive(str(self.root)), out=out.extend, err=err.extend,
                      control=self.control.append, sleep=self.slept.append,
                      shutdown_pending=shutdown_pending)
        code = cmd.run(guest, line)
        return code, out.decode("cp437"), err.decode("cp437")

    def ps(self, script: str) -> tuple[int, str, str]:
        """As pywinrm's run_ps: -EncodedCommand, its CLIXML errors made text again."""
        encoded = base64.b64encode(script.encode("utf-16-le")).decode()
        code, out, err = self(f"powershell -NoProfile -NonInteractive -EncodedCommand {encoded}")
        if err:
            assert err.startswith("#< CLIXML\r\n")
            root = ET.fromstring(err[11:])
            err = "".join(s.text.replace("_x000D__x000A_", "\r\n") for s in root)
        return code, out, err


@pytest.fixture
def run(tmp_path) -> Run:
    for directory in ("Windows/Temp", "Users/Administrator"):
        (tmp_path / directory).mkdir(parents=True)
    return Run(tmp_path)


# -- C: ----------------------------------------------------------------------------------

def test_paths_are_case_insensitive_with_either_separator(tmp_path):
    (tmp_path / "Program Files" / "App").mkdir(parents=True)
    drive = Drive(str(tmp_path))
    assert drive.host("c:/program files/APP/new.txt") == str(tmp_path / "Program Files/App/new.txt")
    assert drive.host("x.txt", cwd="C:\\Program Files") == str(tmp_path / "Program Files/x.txt")
    assert drive.full("..\\y", cwd="C:\\Program Files\\App") == "C:\\Program Files\\y"


@pytest.mark.parametrize("path", ["C:\\..\\etc\\passwd", "..\\..\\..\\etc", "D:\\x",
                                  "\\\\server\\share\\x", "C:\\a\\..\\..\\b"])
def test_paths_escaping_c_are_refused(tmp_path, path):
    with pytest.raises(GuestError):
        Drive(str(tmp_path)).host(path, cwd="C:\\")


def test_symbolic_links_of_the_volume_are_not_followed(tmp_path):
    (tmp_path / "Windows").mkdir()
    os.symlink("/etc", tmp_path / "Windows" / "etc")
    with pytest.raises(GuestError, match="symbolic link"):
        Drive(str(tmp_path)).host("C:\\Windows\\etc\\passwd")


# -- cmd -------------------------------------------------------------------------------------

def test_chunked_upload_as_winrmcp_does_it(run):
    payload = os.urandom(3000)
    temp = "%TEMP%\\winrmcp-0b1c.tmp"
    chunks = [base64.b64encode(payload[i:i + 1000]).decode() for i in range(0, 3000, 1000)]
    for chunk in chunks:
        assert run(f'echo {chunk} >> "{temp}"')[0] == 0
    # one line per chunk, as cmd writes it (the space before >> included)
    assert (run.root / "Windows/Temp/winrmcp-0b1c.tmp").read_bytes().split(b"\r\n")[0] == \
        (chunks[0] + " ").encode()
    code, _, err = run.ps(
        "$dest = 'C:\\Users\\Administrator\\payload.bin'\n"
        "if (Test-Path $dest) { Remove-Item $dest }\n"
        "foreach ($line in (Get-Content 'C:\\Windows\\Temp\\winrmcp-0b1c.tmp')) {\n"
        "  $bytes = [System.Convert]::FromBase64String($line)\n"
        "  $old = @(); if (Test-Path $dest) { $old = [System.IO.File]::ReadAllBytes($dest) }\n"
        "  [System.IO.File]::WriteAllBytes($dest, [byte[]]($old + $bytes))\n"
        "}\n"
        "Remove-Item 'C:\\Windows\\Temp\\winrmcp-0b1c.tmp'\n")
    assert (code, err) == (0, "")
    assert (run.root / "Users/Administrator/payload.bin").read_bytes() == payload
    assert not (run.root / "Windows/Temp/winrmcp-0b1c.tmp").exists()


def test_cmd_chains_and_exit_codes(run):
    # as in cmd, the space before & is part of what echo prints
    assert run("echo one & echo two&& exit /b 5") == (5, "one \r\ntwo\r\n", "")
    assert run("nosuch && echo never || echo fallback")[:2] == (0, "fallback\r\n")
    code, out, err = run("nosuch-program /x")
    assert (code, out) == (1, "")
    assert "'nosuch-program' is not recognized" in err


def test_cmd_set_and_expansion_happen_per_line_as_in_cmd(run):
    # cmd expands %VAR% when it reads the line: a set earlier on the same line is not seen
    assert run("set A=1 && echo %A%")[1] == "%A%\r\n"
    assert run('set "TEMPDIR=%TEMP%" & echo %TEMP%')[1] == "C:\\Windows\\Temp\r\n"


def test_batch_file_echoes_its_commands_until_echo_off(run):
    (run.root / "Windows/Temp/script.cmd").write_text(
        "echo first\r\n@echo off\r\nset X=%1\r\necho got %X%\r\nexit /b 7\r\necho never\r\n")
    code, out, _ = run('set "PACKER=1" && "C:/Windows/Temp/script.cmd" arg1')
    assert code == 7
    assert out == "\r\nC:\\Users\\Administrator>echo first\r\nfirst\r\ngot arg1\r\n"


def test_cmd_files_del_mkdir_type(run):
    assert run("mkdir C:\\build\\out")[0] == 0
    assert run("echo data> C:\\build\\out\\f.txt")[0] == 0
    assert run("type c:\\BUILD\\out\\F.TXT")[1] == "data\r\n"
    assert run("del /f /q C:\\build\\out\\f.txt")[0] == 0
    assert not (run.root / "build/out/f.txt").exists()
    code, _, err = run("type C:\\..\\etc\\passwd")
    assert code == 1 and "outside C:" in err


def test_shutdown_and_winrm_configuration_are_requests_to_the_simulator(run):
    assert run('shutdown /r /f /t 5 /c "packer restart"')[0] == 0
    assert run("winrm set winrm/config/service/auth @{Basic=\"true\"}")[0] == 0
    assert run("netsh advfirewall firewall add rule name=winrm dir=in localport=5985 "
               "protocol=TCP action=allow")[0] == 0
    assert run.control == [{"restart": 5.0},
                           {"winrm": {"path": "service/auth", "values": {"Basic": "true"}}}]
    assert run("shutdown /s /t 0")[0] == 1


# -- PowerShell --------------------------------------------------------------------------

def test_powershell_exit_code_and_streams(run):
    assert run.ps("Write-Output 'to stdout'; Write-Error 'to stderr'; exit 3") == (
        3, "to stdout\r\n", "Write-Error : to stderr\r\n")
    assert run.ps("Write-Error 'last one failed'")[0] == 1
    assert run.ps("Write-Error 'failed'; Write-Output 'then fine'")[0] == 0
    assert run.ps("throw 'stop here'; Write-Output never") == (1, "", "stop here\r\n")


def test_powershell_statement_errors_go_on_unless_stop(run):
    code, out, err = run.ps("Get-Nothing; Write-Output after")
    assert (code, out) == (0, "after\r\n") and "Get-Nothing" in err
    code, out, _ = run.ps("$ErrorActionPreference = 'Stop'; Get-Content C:\\none; echo never")
    assert (code, out) == (1, "")
    assert run.ps("try { Get-Content C:\\none -ErrorAction Stop } catch { echo caught }")[1] \
        == "caught\r\n"


def test_packer_powershell_wrapper(run):
    temp = run.root / "Windows/Temp"
    (temp / "packer-ps-env-vars-1.ps1").write_text("$env:PACKER_BUILD_NAME=\"win\"\n")
    (temp / "script-1.ps1").write_text(
        "Write-Output \"building $env:PACKER_BUILD_NAME\"\n"
        "if ($ProgressPreference -ne 'SilentlyContinue') { exit 9 }\nexit 3\n")
    wrapper = ("powershell -executionpolicy bypass \"& { if (Test-Path variable:global:"
               "ProgressPreference){set-variable -name variable:global:ProgressPreference "
               "-value 'SilentlyContinue'};. C:/Windows/Temp/packer-ps-env-vars-1.ps1; "
               "&'C:/Windows/Temp/script-1.ps1'; exit $LastExitCode }\"")
    assert run(wrapper) == (3, "building win\r\n", "")


def test_powershell_files_and_encodings(run):
    code, out, err = run.ps(
        "New-Item -ItemType Directory -Force -Path C:\\app\\conf | Out-Null\n"
        "Set-Content -Path C:\\app\\conf\\a.txt -Value 'line1','line2'\n"
        "Add-Content C:\\app\\conf\\a.txt 'line3'\n"
        "'unicode' > C:\\app\\conf\\b.txt\n"
        "Copy-Item C:\\app\\conf\\a.txt C:\\app\\c.txt\n"
        "if (Test-Path C:\\APP\\C.TXT -PathType Leaf) {\n"
        "  Write-Output (Get-Content C:\\app\\c.txt -Raw) }\n"
        "(Get-Content C:\\app\\conf\\a.txt).Length\n"
        "Remove-Item -Recurse -Force C:\\app\\conf\n"
        "Test-Path C:\\app\\conf\n")
    assert (code, err) == (0, "")
    assert out == "line1\r\nline2\r\nline3\r\n\r\n3\r\nFalse\r\n"
    assert (run.root / "app/c.txt").read_bytes() == b"line1\r\nline2\r\nline3\r\n"


def test_out_file_and_redirection_write_utf16_as_windows_powershell(run):
    run.ps("'hé' > C:\\u.txt; 'x' | Out-File -Encoding ascii C:\\a.txt")
    assert (run.root / "u.txt").read_bytes() == b"\xff\xfe" + "hé\r\n".encode("utf-16-le")
    assert (run.root / "a.txt").read_bytes() == b"x\r\n"


def test_powershell_expressions(run):
    code, out, _ = run.ps(
        "$name = 'world'; $n = 2 + 3\n"
        "Write-Output \"hello $name $n $($n * 2) $env:USERNAME\"\n"
        "if (-not (Test-Path C:\\nothing) -and $n -eq 5) { 'yes' } else { 'no' }\n"
        "if ($name -ne 'WORLD') { 'case-sensitive' } elseif ($n -gt 4) { 'ok' }\n"
        "'a','b','c' -join '-'\n"
        "[System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('aGk='))\n"
        "@'\nliteral $name\n'@\n")
    assert code == 0
    assert out.split("\r\n")[:-1] == ["hello world 5 10 Administrator", "yes", "ok", "a-b-c",
                                      "hi", "literal $name"]


def test_powershell_bad_base64_is_a_statement_error(run):
    code, out, err = run.ps("[Convert]::FromBase64String('aGk=aGk='); 'after'")
    assert (code, out) == (0, "after\r\n") and "not a valid Base-64 string" in err


def test_powershell_parse_error_runs_nothing(run):
    code, out, err = run.ps("Write-Output first\nif ($x { }")
    assert (code, out) == (1, "") and "At line:2" in err


def test_powershell_restart_sleep_and_wsman(run):
    assert run.ps("Start-Sleep -Seconds 2; Restart-Computer -Force")[0] == 0
    assert run.ps("Set-Item -Path WSMan:\\localhost\\Service\\AllowUnencrypted -Value $true")[0] \
        == 0
    assert run.slept == [2.0]
    assert run.control == [{"restart": 0.0}, {"winrm": {"path": "service", "values": {
        "AllowUnencrypted": "true"}}}]


def test_powershell_script_file_and_command_forms(run):
    (run.root / "Windows/Temp/s.ps1").write_text("param_unused\nWrite-Output \"arg $($args[0])\"\n")
    code, out, err = run("powershell -File C:\\Windows\\Temp\\s.ps1 one")
    assert code == 0 and out == "arg one\r\n" and "param_unused" in err
    assert run('powershell -Command "exit 4"')[0] == 4
    assert run("powershell.exe -NoProfile echo plain")[1] == "plain\r\n"


def test_user_data_blocks_ec2_style_and_outscale_wrappers():
    from osc_build_sim.machine.windows.vm import user_data_blocks
    user_data = (b"<powershell>\nwinrm quickconfig\n</powershell>\n<script>echo cmd</script>\n"
                 b"# autoexecutepowershell\r\nWrite-Output 'osc'\r\n# autoexecutepowershell\r\n"
                 b"#autoexecutepowershellnopasswd\nexit 0\n#autoexecutepowershellnopasswd\n")
    assert user_data_blocks(user_data) == [
        ("powershell", "\nwinrm quickconfig\n"), ("script", "echo cmd"),
        ("powershell", "\nWrite-Output 'osc'\r\n"), ("powershell", "\nexit 0\n")]
    assert user_data_blocks(b"#!/bin/sh\necho linux\n") == []


def test_winrmcp_restore_script(run):
    """The PowerShell packer-community/winrmcp runs after its echo chunks (Packer's file
    upload over WinRM), as it sends it."""
    payload = os.urandom(5000)
    for start in range(0, len(payload), 2000):
        chunk = base64.b64encode(payload[start:start + 2000]).decode()
        assert run(f'echo {chunk} >> "%TEMP%\\winrmcp-1234.tmp"')[0] == 0
    script = """
$tmp_file_path = [System.IO.Path]::GetFullPath("$env:TEMP\\winrmcp-1234.tmp")
$dest_file_path = [System.IO.Path]::GetFullPath("C:/Program Files/app/payload.bin".Trim("'"))
        if (Test-Path $dest_file_path) {
            if (Test-Path -Path $dest_file_path -PathType container) {
                Exit 1
            } else {
                rm $dest_file_path
            }
        }
        else {
            $dest_dir = ([System.IO.Path]::GetDirectoryName($dest_file_path))
    New-Item -ItemType directory -Force -ErrorAction SilentlyContinue -Path $dest_dir | Out-Null
        }

        if (Test-Path $tmp_file_path) {
            $reader = [System.IO.File]::OpenText($tmp_file_path)
            $writer = [System.IO.File]::OpenWrite($dest_file_path)
            try {
                for(;;) {
                    $base64_line = $reader.ReadLine()
                    if ($base64_line -eq $null) { break }
                    $bytes = [System.Convert]::FromBase64String($base64_line)
                    $writer.write($bytes, 0, $bytes.Length)
                }
            }
            finally {
                $reader.Close()
                $writer.Close()
            }
        } else {
            echo $null > $dest_file_path
        }
        Remove-Item $tmp_file_path -ErrorAction SilentlyContinue
    """
    assert run.ps(script) == (0, "", "")
    assert (run.root / "Program Files/app/payload.bin").read_bytes() == payload
    assert not (run.root / "Windows/Temp/winrmcp-1234.tmp").exists()
    # what it does for an empty file (no chunk was sent): an empty destination
    assert run.ps("echo $null > 'C:\\empty.bin'") == (0, "", "")
    assert (run.root / "empty.bin").read_bytes() == b""


def test_packer_restart_check_schedules_then_aborts(run):
    """Packer's windows-restart: `shutdown /r /t 60` fails with 1190 while the first restart
    is still pending, succeeds once the machine is back, then `shutdown /a` cancels it."""
    assert run('shutdown /r /f /t 60 /c "packer restart test"', shutdown_pending=True)[:2] == (
        1190, "")
    assert run('shutdown /r /f /t 60 /c "packer restart test"')[0] == 0
    assert run("shutdown /a", shutdown_pending=True)[0] == 0
    assert run("shutdown /a")[0] == 1116
    assert run.control == [{"restart": 60.0}, {"abort": True}]


def test_encoded_command_errors_are_clixml_as_powershell_writes_them(run):
    script = "Write-Output fine; Write-Error 'bad <thing>'"
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    code, out, err = run(f"powershell -EncodedCommand {encoded}")
    assert (code, out) == (1, "fine\r\n")
    assert err == ('#< CLIXML\r\n<Objs Version="1.1.0.1" '
                   'xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">'
                   'Write-Error : bad &lt;thing&gt;_x000D__x000A_</S></Objs>')
    # -Command writes them as text
    assert run('powershell -Command "Write-Error bad"')[2] == "Write-Error : bad\r\n"


def test_powershell_counters_format_and_hashtables(run):
    assert run.ps("$x = 5; $x") == (0, "5\r\n", "")  # a variable last in the script
    assert run.ps("$i = 0; while ($i -lt 3) { $i++; if ($i -eq 2) { continue }; $i }\n"
                  "for ($j = 3; $j -gt 0; $j--) { if ($j -eq 1) { break }; \"j$j\" }") == (
        0, "1\r\n3\r\nj3\r\nj2\r\n", "")
    assert run.ps('"{0}-{1:N2}" -f "a", 2') == (0, "a-2\r\n", "")
    assert run.ps("$h = @{}; $h.Add('k', 'v'); $h.ContainsKey('K'); $h.k; $h.Keys") == (
        0, "True\r\nv\r\nk\r\n", "")
    assert run.ps("function Add($a, $b = 10) { $a + $b }; Add 1; Add -b 2 -a 3") == (
        0, "11\r\n5\r\n", "")
