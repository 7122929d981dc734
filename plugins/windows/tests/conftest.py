"""A recording communicator, a fake WinRM guest, and a build whose output the tests read."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from osc_build.testing import CapturedBuild, captured_build


@dataclass
class RecordingCommunicator:
    """Remembers what a provisioner asked for; answers with scripted exit statuses."""

    statuses: list = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def run(self, command, *, env=None, timeout=None) -> int:
        self.commands.append(command)
        status = self.statuses.pop(0) if self.statuses else 0
        if isinstance(status, BaseException):
            raise status
        return status

    def upload(self, source, destination) -> None:
        self.files[destination] = Path(source).read_bytes()

    def upload_content(self, content, destination, *, mode=0o644) -> None:
        self.files[destination] = content

    def download(self, source, destination) -> None:
        raise AssertionError("not expected")

    def close(self) -> None:
        pass


class FakeGuest:
    """The guest side of pywinrm's Protocol, for the few command forms we send.

    It understands ``echo X >> "F"`` and the PowerShell restore/download scripts of
    :mod:`osc_build_windows.commands`; any other command prints ``output`` and exits
    with ``status``. ``fail_next`` makes the next call raise (a VM going away).
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}  # lower-cased Windows path -> content
        self.commands: list[str] = []
        self.scripts: list[str] = []  # decoded -EncodedCommand scripts
        self.output: list[tuple[bytes, bytes]] = [(b"", b"")]
        self.status = 0
        self.fail_next: BaseException | None = None
        self.shells = 0
        self._pending: dict[str, tuple[list[tuple[bytes, bytes]], int]] = {}

    # -- the Protocol methods the communicator calls ----------------------------
    def open_shell(self, codepage=None) -> str:
        self._maybe_fail()
        self.shells += 1
        return f"shell-{self.shells}"

    def close_shell(self, shell_id) -> None:
        pass

    def run_command(self, shell_id, command) -> str:
        self._maybe_fail()
        self.commands.append(command)
        command_id = f"cmd-{len(self.commands)}"
        self._pending[command_id] = self._execute(command)
        return command_id

    def get_command_output_raw(self, shell_id, command_id):
        self._maybe_fail()
        chunks, status = self._pending[command_id]
        out, err = chunks.pop(0)
        return out, err, (status if not chunks else -1), not chunks

    def cleanup_command(self, shell_id, command_id) -> None:
        self._pending.pop(command_id, None)

    # -- what the guest does ----------------------------------------------------
    def _maybe_fail(self) -> None:
        failure, self.fail_next = self.fail_next, None
        if failure is not None:
            raise failure

    def _execute(self, command: str) -> tuple[list[tuple[bytes, bytes]], int]:
        echo = re.fullmatch(r'echo (\S+) >> "%TEMP%\\(winrmcp-[0-9a-f-]+\.tmp)"', command)
        if echo:
            key = rf"c:\windows\temp\{echo.group(2)}"
            self.files[key] = self.files.get(key, b"") + echo.group(1).encode() + b" \r\n"
            return [(b"", b"")], 0
        encoded = re.fullmatch(r"powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass "
                               r"-EncodedCommand (\S+)", command)
        if encoded:
            script = base64.b64decode(encoded.group(1)).decode("utf-16-le")
            self.scripts.append(script)
            return self._powershell(script)
        return list(self.output), self.status

    def _powershell(self, script: str) -> tuple[list[tuple[bytes, bytes]], int]:
        tmp = re.search(r'\$tmp = "\$env:TEMP\\(winrmcp-[^"]+)"', script)
        dest = re.search(r"\$dest = '([^']+)'", script)
        if tmp and dest and "readonly" in dest.group(1).lower():
            return [(b"", b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.'
                          b'microsoft.com/powershell/2004/04"><S S="Error">Access to the path '
                          b'is denied._x000D__x000A_</S></Objs>')], 1
        if tmp and dest:
            key = rf"c:\windows\temp\{tmp.group(1)}"
            text = self.files.pop(key, b"").decode()
            self.files[dest.group(1).lower()] = base64.b64decode("".join(text.split()))
            return [(b"", b"")], 0
        read = re.search(r"ReadAllBytes\('([^']+)'\)", script)
        if read:
            data = self.files.get(read.group(1).lower())
            if data is None:
                return [(b"", b"Exception calling ReadAllBytes: file not found\r\n")], 1
            return [(base64.b64encode(data) + b"\r\n", b"")], 0
        return list(self.output), self.status


@pytest.fixture
def build(tmp_path) -> CapturedBuild:
    return captured_build(tmp_path)


@pytest.fixture
def comm() -> RecordingCommunicator:
    return RecordingCommunicator()


@pytest.fixture
def guest() -> FakeGuest:
    return FakeGuest()
