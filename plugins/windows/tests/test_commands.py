"""The command lines sent to Windows: chunked copies, encoded PowerShell, variables."""

from __future__ import annotations

import base64
import os
import re

from osc_build_windows import commands

CMD_LIMIT = 8191  # cmd.exe's longest command line


def test_chunks_fit_a_command_line_and_decode_to_the_content():
    content = os.urandom(30_000)
    echo_path, _ = commands.temporary_upload_path()
    lines = list(commands.append_chunks(content, echo_path))
    assert len(lines) == 6  # 40,000 base64 characters, 7,956 per line
    pieces = []
    for line in lines:
        assert len(line) <= CMD_LIMIT
        match = re.fullmatch(r'echo ([A-Za-z0-9+/=]+) >> "%TEMP%\\winrmcp-[0-9a-f-]{36}\.tmp"',
                             line)
        assert match, line
        pieces.append(match.group(1))
    assert all(len(p) % 4 == 0 and "=" not in p for p in pieces[:-1])
    assert base64.b64decode("".join(pieces)) == content


def test_an_empty_file_needs_no_chunk_and_the_restore_writes_it_empty():
    assert list(commands.append_chunks(b"", "%TEMP%\\winrmcp-x.tmp")) == []
    script = commands.restore_script('"$env:TEMP\\winrmcp-x.tmp"', "C:/a/b.txt")
    assert "if (Test-Path $tmp) { $b64 = Get-Content $tmp } else { $b64 = '' }" in script


def test_restore_creates_the_folder_and_uses_windows_paths():
    script = commands.restore_script('"$env:TEMP\\winrmcp-x.tmp"', "C:/ProgramData/app/f.txt")
    assert "$dest = 'C:\\ProgramData\\app\\f.txt'" in script
    assert ("if (-not (Test-Path 'C:\\ProgramData\\app')) { $made = New-Item -ItemType "
            "Directory -Path 'C:\\ProgramData\\app' -Force }") in script
    assert "[System.IO.File]::WriteAllBytes($dest, $bytes)" in script
    assert "New-Item" not in commands.restore_script('"$env:TEMP\\t"', "C:/f.txt")


def test_powershell_scripts_travel_utf16_base64_encoded():
    line = commands.powershell("Write-Output 'héllo'")
    prefix = "powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "
    assert line.startswith(prefix)
    assert base64.b64decode(line[len(prefix):]).decode("utf-16-le") == "Write-Output 'héllo'"


def test_literals_and_variables_are_escaped_as_packer_does():
    assert commands.ps_literal("it's") == "'it''s'"
    assert commands.ps_env_script({"B": 'a"b$c`d', "A": "x'y"}) == \
        '$env:A="x`\'y"; $env:B="a`"b`$c``d"; '
    assert commands.cmd_env_prefix({"Z": "1", "A": "two words"}) == \
        'set "A=two words" && set "Z=1" && '


def test_clixml_errors_of_encoded_commands_become_text():
    data = (b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell'
            b'/2004/04"><S S="Error">Access to the path is denied._x000D__x000A_</S>'
            b'<S S="Output">ignored</S><S S="Error">At line:1 char:1_x000D__x000A_</S></Objs>')
    assert commands.clixml_text(data) == "Access to the path is denied.\nAt line:1 char:1\n"
    assert commands.clixml_text(b"plain error\r\n") == "plain error\r\n"
