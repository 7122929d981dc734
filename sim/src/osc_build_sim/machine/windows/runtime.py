"""What a command running in the Windows guest works with: its C: drive, environment,
output streams and the channel that asks the simulator for a restart or a WinRM change.

Windows paths map onto the VM's root volume: ``C:\\Users\\x`` is ``/Users/x`` under
``root`` (``/`` once the runner has entered the VM's mount namespace). Names are
matched case-insensitively, ``/`` and ``\\`` are both separators, other drives, UNC paths
and ``..`` above ``C:\\`` are refused, and no symbolic link is followed on the way (a
Linux-made link must not lead a Windows path anywhere else).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

_BAD_CHARS = re.compile(r'[<>"|?*\x00-\x1f]')


class GuestError(Exception):
    """A command failed with a message the guest prints (and exit code 1)."""


class Env:
    """Environment variables with Windows' case-insensitive names."""

    def __init__(self, initial: dict[str, str] | None = None):
        self._items: dict[str, tuple[str, str]] = {}
        for key, value in (initial or {}).items():
            self[key] = value

    def __getitem__(self, key: str) -> str:
        return self._items[key.upper()][1]

    def get(self, key: str, default: str | None = None) -> str | None:
        item = self._items.get(key.upper())
        return item[1] if item else default

    def __setitem__(self, key: str, value: str) -> None:
        self._items[key.upper()] = (key, value)

    def __contains__(self, key: str) -> bool:
        return key.upper() in self._items

    def pop(self, key: str) -> None:
        self._items.pop(key.upper(), None)

    def items(self) -> list[tuple[str, str]]:
        return sorted(self._items.values(), key=lambda kv: kv[0].upper())

    def copy(self) -> Env:
        return Env(dict(self.items()))


def default_env(vm_id: str = "WIN-SIM") -> dict[str, str]:
    return {
        "ALLUSERSPROFILE": "C:\\ProgramData",
        "APPDATA": "C:\\Users\\Administrator\\AppData\\Roaming",
        "COMPUTERNAME": vm_id.upper()[:15], "ComSpec": "C:\\Windows\\system32\\cmd.exe",
        "HOMEDRIVE": "C:", "HOMEPATH": "\\Users\\Administrator",
        "LOCALAPPDATA": "C:\\Users\\Administrator\\AppData\\Local", "OS": "Windows_NT",
        "Path": "C:\\Windows\\system32;C:\\Windows;"
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\",
        "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.JS;.WSF;.PS1", "ProgramData": "C:\\ProgramData",
        "ProgramFiles": "C:\\Program Files", "ProgramFiles(x86)": "C:\\Program Files (x86)",
        "PUBLIC": "C:\\Users\\Public", "SystemDrive": "C:", "SystemRoot": "C:\\Windows",
        "TEMP": "C:\\Windows\\Temp", "TMP": "C:\\Windows\\Temp", "USERDOMAIN": vm_id.upper()[:15],
        "USERNAME": "Administrator", "USERPROFILE": "C:\\Users\\Administrator",
        "windir": "C:\\Windows",
    }


class Drive:
    """The C: drive: Windows paths resolved inside ``root`` (a Linux directory)."""

    def __init__(self, root: str):
        self.root = root.rstrip("/") or "/"

    @staticmethod
    def parts(path: str, cwd: str = "C:\\") -> list[str]:
        """The components of ``path`` below C:\\ (absolute, normalised), or GuestError."""
        raw = path.strip().replace("/", "\\")
        if not raw:
            raise GuestError("Cannot bind argument to parameter 'Path' because it is an empty "
                             "string.")
        if raw.startswith("\\\\"):
            raise GuestError(f"The network path {path} is not reachable from this guest "
                             "(the simulator has only a C: drive).")
        if len(raw) >= 2 and raw[1] == ":":
            if raw[0].upper() != "C":
                raise GuestError(f"Cannot find drive. A drive with the name '{raw[0]}' does "
                                 "not exist.")
            rest = raw[2:]
            base = [] if rest.startswith("\\") else Drive.parts(cwd)
        elif raw.startswith("\\"):
            rest, base = raw, []
        else:
            rest, base = raw, Drive.parts(cwd)
        result = list(base)
        for part in rest.split("\\"):
            if part in ("", "."):
                continue
            if part == "..":
                if not result:
                    raise GuestError(f"The path {path} leads outside C:\\ (refused).")
                result.pop()
                continue
            if _BAD_CHARS.search(part) or ":" in part:
                raise GuestError(f"Illegal characters in path: {path}")
            result.append(part.rstrip(". ") or part)
        return result

    @staticmethod
    def display(parts: list[str]) -> str:
        return "C:\\" + "\\".join(parts)

    def host(self, path: str, cwd: str = "C:\\") -> str:
        """The Linux path of ``path``: existing names matched case-insensitively, no
        symbolic link followed (GuestError if one is on the way)."""
        current = self.root
        for part in self.parts(path, cwd):
            candidate = os.path.join(current, part)
            try:
                info = os.lstat(candidate)
            except FileNotFoundError:
                info = None
                try:
                    names = os.listdir(current)
                except OSError:
                    names = []
                for name in names:
                    if name.casefold() == part.casefold():
                        candidate = os.path.join(current, name)
                        info = os.lstat(candidate)
                        break
            if info is not None and stat.S_ISLNK(info.st_mode):
                raise GuestError(f"The path {path} goes through a symbolic link of the "
                                 "volume (not followed by the simulator's guest).")
            current = candidate
        return current

    def full(self, path: str, cwd: str = "C:\\") -> str:
        return self.display(self.parts(path, cwd))


@dataclass
class Guest:
    """One command's world: drive, environment, current directory, output, control."""

    drive: Drive
    env: Env = field(default_factory=lambda: Env(default_env()))
    cwd: str = "C:\\Users\\Administrator"
    codepage: int = 437
    out: Callable[[bytes], None] = lambda data: None
    err: Callable[[bytes], None] = lambda data: None
    control: Callable[[dict], None] = lambda message: None
    winrm_config: dict = field(default_factory=dict)
    sleep: Callable[[float], None] = lambda seconds: None
    shutdown_pending: bool = False  # a restart is scheduled (shutdown /r /t N, not yet due)

    @property
    def encoding(self) -> str:
        return {65001: "utf-8", 1252: "cp1252", 850: "cp850"}.get(self.codepage, "cp437")

    def write(self, text: str) -> None:
        self.out(text.encode(self.encoding, errors="replace"))

    def write_err(self, text: str) -> None:
        self.err(text.encode(self.encoding, errors="replace"))

    def host(self, path: str) -> str:
        return self.drive.host(path, self.cwd)

    def full(self, path: str) -> str:
        return self.drive.full(path, self.cwd)

    def child(self) -> Guest:
        """The same guest for a child process (its own copy of the environment)."""
        return Guest(self.drive, self.env.copy(), self.cwd, self.codepage, self.out, self.err,
                     self.control, self.winrm_config, self.sleep, self.shutdown_pending)
