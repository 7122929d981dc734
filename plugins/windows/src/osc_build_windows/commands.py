"""The Windows command lines osc-build sends over WinRM, as Packer generates them.

Pure functions, so that what reaches the guest is tested without one. Files move as
Packer's winrmcp moves them: the content, base64-encoded, is appended chunk by chunk
to a temporary file with ``echo <chunk> >> "%TEMP%\\winrmcp-<uuid>.tmp"`` (each command
line stays under cmd.exe's 8191 characters), then one PowerShell command decodes the
temporary file into the destination.
"""

from __future__ import annotations

import base64
import ntpath
import re
import uuid
from collections.abc import Iterator, Mapping

COMMAND_LINE_BUDGET = 8000  # winrmcp's: cmd.exe takes 8191 characters, minus the echo around


def powershell(script: str) -> str:
    """A cmd line running ``script`` in PowerShell: UTF-16LE base64, so no quoting issue."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode()
    return ("powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass "
            f"-EncodedCommand {encoded}")


def clixml_text(data: bytes) -> str:
    """The readable text of stderr that powershell.exe wrote as CLIXML (what it does when
    its caller is not a console: ``-EncodedCommand`` over WinRM); other text as it is."""
    text = data.decode("utf-8", errors="replace")
    if not text.startswith("#< CLIXML"):
        return text
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(text.split("\n", 1)[1] if "\n" in text else "")
    except ET.ParseError:
        return text
    parts = [node.text or "" for node in root.iter() if node.tag.rsplit("}", 1)[-1] == "S"
             and node.get("S") == "Error"]
    return "".join(parts).replace("_x000D__x000A_", "\n").replace("_x000A_", "\n")


def ps_literal(text: str) -> str:
    """A single-quoted PowerShell string: nothing inside is expanded."""
    return "'" + text.replace("'", "''") + "'"


_PS_ESCAPES = str.maketrans({"$": "`$", '"': '`"', "`": "``", "'": "`'"})


def ps_escape(value: str) -> str:
    """Packer's escaping of an environment value inside ``$env:K="..."``."""
    return value.translate(_PS_ESCAPES)


def windows_path(path: str) -> str:
    """``c:/Windows/Temp/x.ps1`` -> ``c:\\Windows\\Temp\\x.ps1`` (PowerShell takes both)."""
    return path.replace("/", "\\")


def temporary_upload_path() -> tuple[str, str]:
    """The cmd form (for ``echo >>``) and the PowerShell expression of a new winrmcp temp
    file: the same %TEMP% of the WinRM session."""
    name = f"winrmcp-{uuid.uuid4()}.tmp"
    return f"%TEMP%\\{name}", f'"$env:TEMP\\{name}"'


def chunk_size(temp_path: str) -> int:
    """Base64 characters per ``echo`` (a multiple of 4: each chunk decodes on its own)."""
    return max(4, ((COMMAND_LINE_BUDGET - len(temp_path)) // 4) * 4)


def append_chunks(content: bytes, temp_path: str) -> Iterator[str]:
    """The ``echo <base64> >> "<temp>"`` commands that write ``content`` to ``temp_path``."""
    encoded = base64.b64encode(content).decode()
    size = chunk_size(temp_path)
    for start in range(0, len(encoded), size):
        yield f'echo {encoded[start:start + size]} >> "{temp_path}"'


def restore_script(temp_path: str, destination: str) -> str:
    """PowerShell: decode the temporary file (``temp_path``: a PowerShell expression) into
    ``destination`` and delete it.

    .NET's FromBase64String skips whitespace, so the lines (and the space cmd's echo
    leaves before ``>>``) need no joining. No chunk at all (an empty file): no temp file.
    """
    target = windows_path(destination)
    folder = ntpath.dirname(target)
    lines = ["$ProgressPreference = 'SilentlyContinue'",
             f"$tmp = {temp_path}",
             f"$dest = {ps_literal(target)}"]
    if folder and not re.fullmatch(r"[A-Za-z]:\\?", folder):
        lines.append(f"if (-not (Test-Path {ps_literal(folder)})) "
                     f"{{ $made = New-Item -ItemType Directory -Path {ps_literal(folder)} "
                     "-Force }")
    lines += ["if (Test-Path $tmp) { $b64 = Get-Content $tmp } else { $b64 = '' }",
              "$bytes = [System.Convert]::FromBase64String($b64)",
              "[System.IO.File]::WriteAllBytes($dest, $bytes)",
              "if (Test-Path $tmp) { Remove-Item $tmp -Force }"]
    return "\n".join(lines)


def download_script(source: str) -> str:
    """PowerShell: the file's bytes as base64 on stdout (Packer's WinRM download)."""
    path = ps_literal(windows_path(source))
    return "\n".join(["$ProgressPreference = 'SilentlyContinue'",
                      f"$bytes = [System.IO.File]::ReadAllBytes({path})",
                      "Write-Output ([System.Convert]::ToBase64String($bytes))"])


def cmd_env_prefix(env: Mapping[str, str] | None, fmt: str = 'set "%s=%s" && ') -> str:
    """``set "K=V" && `` per variable, sorted: how cmd.exe gets variables (windows-shell)."""
    return "".join(fmt % (key, value) for key, value in sorted((env or {}).items()))


def ps_env_script(env: Mapping[str, str], fmt: str = '$env:%s="%s"; ') -> str:
    """The powershell provisioner's variables file: ``$env:K="V"; `` per variable, sorted,
    values escaped as Packer does."""
    return "".join(fmt % (key, ps_escape(value)) for key, value in sorted(env.items()))
