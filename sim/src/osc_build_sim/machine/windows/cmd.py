"""cmd.exe, as far as the simulator's Windows guest goes: one table of built-in commands.

A line is expanded (``%NAME%``), split on ``&``, ``&&`` and ``||`` outside quotes, and
each command runs with its ``>``, ``>>``, ``2>`` and ``2>&1`` redirections. Names that are
not built in are programs (``programs.run``): powershell, cmd, winrm, netsh, shutdown,
or a ``.cmd``/``.bat``/``.ps1`` file of the drive.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from collections.abc import Callable

from .runtime import Guest, GuestError

_VAR = re.compile(r"%([^%\s=][^%=]*)%")


class CmdExit(Exception):
    """``exit`` (the whole cmd) or ``exit /b`` (the current batch file only)."""

    def __init__(self, code: int, batch_only: bool):
        super().__init__(code)
        self.code = code
        self.batch_only = batch_only


def split_args(text: str) -> list[str]:
    """A command line split as Windows programs do (CommandLineToArgvW)."""
    args: list[str] = []
    current: list[str] = []
    quoted = started = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            count = 0
            while i < len(text) and text[i] == "\\":
                count += 1
                i += 1
            if i < len(text) and text[i] == '"':
                current.append("\\" * (count // 2))
                if count % 2:
                    current.append('"')
                    i += 1
            else:
                current.append("\\" * count)
            started = True
            continue
        if char == '"':
            if quoted and text[i + 1:i + 2] == '"':
                current.append('"')
                i += 2
                continue
            quoted = not quoted
            started = True
        elif char in " \t" and not quoted:
            if started:
                args.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
        i += 1
    if started:
        args.append("".join(current))
    return args


def expand(line: str, guest: Guest, batch_args: list[str] | None = None) -> str:
    """``%NAME%`` from the environment; in a batch file also ``%0``-``%9``, ``%*``, ``%%``."""
    if batch_args is not None:
        def arg(match: re.Match) -> str:
            token = match.group(1)
            if token == "%":
                return "%"
            if token == "*":
                return " ".join(batch_args[1:])
            index = int(token)
            return batch_args[index] if index < len(batch_args) else ""
        line = re.sub(r"%(%|\*|[0-9])", lambda m: "\0" if m.group(1) == "%" else arg(m), line)

    def variable(match: re.Match) -> str:
        value = guest.env.get(match.group(1))
        if value is None and match.group(1).upper() == "CD":  # cmd's dynamic variables
            value = guest.cwd
        elif value is None and match.group(1).upper() == "RANDOM":
            value = str(random.randrange(32768))
        if value is None:
            return "" if batch_args is not None else match.group(0)
        return value
    return _VAR.sub(variable, line).replace("\0", "%")


def split_chain(line: str) -> list[tuple[str, str]]:
    """``A && B & C`` -> [("", "A"), ("&&", "B"), ("&", "C")], quotes and ^ respected."""
    parts: list[tuple[str, str]] = []
    current: list[str] = []
    operator = ""
    quoted = False
    i = 0
    while i < len(line):
        char = line[i]
        if char == "^" and not quoted and i + 1 < len(line):
            current.append(line[i + 1])
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        if not quoted and char in "&|" and not (char == "&" and i > 0 and line[i - 1] == ">"):
            double = line[i + 1:i + 2] == char
            if char == "|" and not double:
                raise GuestError("Pipes between commands are not supported by the simulator's "
                                 "cmd.")
            parts.append((operator, "".join(current)))
            operator = char * 2 if double else char
            current = []
            i += 2 if double else 1
            continue
        current.append(char)
        i += 1
    parts.append((operator, "".join(current)))
    return [(op, text) for op, text in parts if text.strip() or op]


def _redirections(segment: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Remove ``>``/``>>``/``2>``/``2>&1`` from a command; returns it and them."""
    found: list[tuple[str, str, str]] = []
    text: list[str] = []
    quoted = False
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == '"':
            quoted = not quoted
        if char == ">" and not quoted:
            stream = "1"
            if text and text[-1] in "12" and (len(text) == 1 or text[-2] in " \t"):
                stream = text.pop()
            mode = ">>" if segment[i + 1:i + 2] == ">" else ">"
            i += len(mode)
            while i < len(segment) and segment[i] in " \t":
                i += 1
            if segment[i:i + 2] == "&1" or segment[i:i + 2] == "&2":
                found.append((stream, "dup", segment[i + 1]))
                i += 2
                continue
            start = i
            if i < len(segment) and segment[i] == '"':
                end = segment.find('"', i + 1)
                end = len(segment) if end < 0 else end + 1
            else:
                end = i
                while end < len(segment) and segment[end] not in " \t":
                    end += 1
            found.append((stream, mode, segment[start:end].strip('"')))
            i = end
            continue
        text.append(char)
        i += 1
    return "".join(text), found


class _Capture:
    def __init__(self):
        self.data = bytearray()

    def __call__(self, data: bytes) -> None:
        self.data += data


def run_line(guest: Guest, line: str, batch_args: list[str] | None = None) -> int:
    """Run one command line; returns its errorlevel."""
    try:
        chain = split_chain(expand(line, guest, batch_args))
    except GuestError as error:
        guest.write_err(f"{error}\r\n")
        return 1
    status = 0
    for operator, segment in chain:
        if (operator == "&&" and status != 0) or (operator == "||" and status == 0):
            continue
        status = run_simple(guest, segment)
    return status


def run_simple(guest: Guest, segment: str) -> int:
    try:
        command, redirections = _redirections(segment)
    except GuestError as error:
        guest.write_err(f"{error}\r\n")
        return 1
    if not redirections:
        return _dispatch(guest, command)
    target = guest.child()
    target.env = guest.env  # `set` with a redirection still sets
    files: list[tuple[str, str, _Capture]] = []
    for stream, mode, where in redirections:
        if mode == "dup":
            if stream == "2":
                target.err = target.out
            else:
                target.out = target.err
            continue
        sink: Callable[[bytes], None]
        if where.lower() in ("nul", "$null"):
            sink = lambda data: None  # noqa: E731
        else:
            capture = _Capture()
            files.append((mode, where, capture))
            sink = capture
        if stream == "2":
            target.err = sink
        else:
            target.out = sink
    status = _dispatch(target, command)
    guest.cwd = target.cwd
    for mode, where, capture in files:
        try:
            path = guest.host(where)
            with open(path, "ab" if mode == ">>" else "wb") as handle:
                handle.write(bytes(capture.data))
        except (GuestError, OSError) as error:
            guest.write_err(f"The system cannot find the path specified. ({error})\r\n")
            return 1
    return status


def _dispatch(guest: Guest, command: str) -> int:
    if not command.strip():
        return 0
    stripped = command.lstrip().lstrip("@")  # trailing spaces stay: echo writes them
    match = re.match(r'("[^"]*"|[^\s.(/]+(?:\.[^\s(/]*)?|\S+)(.*)$', stripped, re.S)
    name, rest = match.group(1), match.group(2)
    if name.lower().startswith("echo") and name[4:5] in (".", ""):
        return _echo(guest, stripped[4:])
    builtin = BUILTINS.get(name.lower())
    try:
        if builtin is not None:
            return builtin(guest, rest)
        from . import programs
        return programs.run(guest, name.strip('"'), split_args(rest), raw=rest.strip())
    except GuestError as error:
        guest.write_err(f"{error}\r\n")
        return 1


def _echo(guest: Guest, rest: str) -> int:
    if rest.startswith("."):
        guest.write(rest[1:] + "\r\n")
    elif not rest.strip():
        guest.write("ECHO is on.\r\n")
    else:
        guest.write(rest[1:] + "\r\n")
    return 0


def _type(guest: Guest, rest: str) -> int:
    status = 0
    for name in split_args(rest):
        try:
            with open(guest.host(name), "rb") as handle:
                guest.out(handle.read())
        except GuestError as error:
            guest.write_err(f"{error}\r\n")
            status = 1
        except OSError:
            guest.write_err("The system cannot find the file specified.\r\n")
            status = 1
    return status


def _del(guest: Guest, rest: str) -> int:
    names = [a for a in split_args(rest) if not a.startswith("/")]
    if not names:
        raise GuestError("The syntax of the command is incorrect.")
    for name in names:
        try:
            path = guest.host(name)
            if os.path.isdir(path):
                for entry in os.listdir(path):
                    if os.path.isfile(os.path.join(path, entry)):
                        os.unlink(os.path.join(path, entry))
            else:
                os.unlink(path)
        except FileNotFoundError:
            guest.write_err(f"Could Not Find {guest.full(name)}\r\n")
    return 0


def _mkdir(guest: Guest, rest: str) -> int:
    status = 0
    for name in split_args(rest):
        path = guest.host(name)
        if os.path.exists(path):
            guest.write_err(f"A subdirectory or file {name} already exists.\r\n")
            status = 1
            continue
        os.makedirs(path)
    return status


def _rmdir(guest: Guest, rest: str) -> int:
    args = split_args(rest)
    recursive = any(a.lower() == "/s" for a in args)
    for name in [a for a in args if not a.startswith("/")]:
        path = guest.host(name)
        if not os.path.isdir(path):
            raise GuestError("The system cannot find the file specified.")
        if recursive:
            shutil.rmtree(path)
        else:
            try:
                os.rmdir(path)
            except OSError:
                raise GuestError("The directory is not empty.") from None
    return 0


def _set(guest: Guest, rest: str) -> int:
    text = rest.strip()
    if text.startswith('"'):
        end = text.rfind('"')
        text = text[1:end] if end > 0 else text[1:]
    elif rest.startswith(" "):
        text = rest[1:]
    if "=" not in text:
        prefix = text.strip().upper()
        shown = [(k, v) for k, v in guest.env.items() if k.upper().startswith(prefix)]
        if not shown:
            raise GuestError(f"Environment variable {text.strip()} not defined")
        for key, value in shown:
            guest.write(f"{key}={value}\r\n")
        return 0
    name, value = text.split("=", 1)
    if not name:
        raise GuestError("The syntax of the command is incorrect.")
    if value:
        guest.env[name] = value
    else:
        guest.env.pop(name)
    return 0


def _exit(guest: Guest, rest: str) -> int:
    args = split_args(rest)
    batch_only = bool(args) and args[0].lower() == "/b"
    if batch_only:
        args = args[1:]
    try:
        code = int(args[0]) if args else 0
    except ValueError:
        code = 0
    raise CmdExit(code, batch_only)


def _cd(guest: Guest, rest: str) -> int:
    args = [a for a in split_args(rest) if a.lower() != "/d"]
    if not args:
        guest.write(guest.cwd + "\r\n")
        return 0
    path = guest.host(args[0])
    if not os.path.isdir(path):
        raise GuestError("The system cannot find the path specified.")
    guest.cwd = guest.full(args[0])
    return 0


def _copy(guest: Guest, rest: str, move: bool = False) -> int:
    args = [a for a in split_args(rest) if not a.startswith("/")]
    if len(args) != 2:
        raise GuestError("The syntax of the command is incorrect.")
    source, destination = guest.host(args[0]), guest.host(args[1])
    if not os.path.isfile(source):
        raise GuestError("The system cannot find the file specified.")
    if os.path.isdir(destination):
        destination = os.path.join(destination, os.path.basename(source))
    (shutil.move if move else shutil.copyfile)(source, destination)
    guest.write(f"        1 file(s) {'moved' if move else 'copied'}.\r\n")
    return 0


def _call(guest: Guest, rest: str) -> int:
    return run_line(guest, rest)


BUILTINS: dict[str, Callable[[Guest, str], int]] = {
    "type": _type, "del": _del, "erase": _del, "mkdir": _mkdir, "md": _mkdir,
    "rmdir": _rmdir, "rd": _rmdir, "set": _set, "exit": _exit, "cd": _cd, "chdir": _cd,
    "copy": _copy, "move": lambda g, r: _copy(g, r, move=True), "call": _call,
    "rem": lambda g, r: 0, "::": lambda g, r: 0, "cls": lambda g, r: 0,
    "ver": lambda g, r: (g.write("\r\nMicrosoft Windows [Version 10.0.20348.2340]\r\n"), 0)[1],
}


def run_batch(guest: Guest, path: str, args: list[str]) -> int:
    """Run a ``.cmd``/``.bat`` file: its lines echoed (until ``@echo off``) and run."""
    with open(guest.host(path), "rb") as handle:
        text = handle.read().decode(guest.encoding, errors="replace")
    return run_batch_text(guest, text, [path, *args])


def run_batch_text(guest: Guest, text: str, batch_args: list[str]) -> int:
    """The lines of a batch file, run as cmd runs them."""
    batch_args = batch_args or ["batch.cmd"]
    echo = True
    status = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("::") or line.lower().startswith(("rem ", "@rem ")):
            continue
        quiet = line.startswith("@")
        bare = line.lstrip("@").strip()
        if bare.lower() in ("echo off", "echo on"):
            echo = bare.lower() == "echo on"
            continue
        if echo and not quiet:
            guest.write(f"\r\n{guest.cwd}>{bare}\r\n")
        try:
            status = run_line(guest, bare, batch_args)
        except CmdExit as done:
            if done.batch_only:
                return done.code
            raise
    return status


def run(guest: Guest, line: str) -> int:
    """``cmd /c LINE``: the exit code of the process."""
    try:
        return run_line(guest, line)
    except CmdExit as done:
        return done.code
