"""The programs of the Windows guest (what cmd and PowerShell find on its Path).

One table: powershell, cmd, winrm (its configuration: what the WinRM endpoint obeys),
netsh (accepted, no effect), shutdown, net user, hostname, whoami; and files of the drive
run by extension (``.cmd``/``.bat`` with cmd, ``.ps1`` with PowerShell).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable
from xml.sax.saxutils import escape

from . import cmd
from .runtime import Guest, GuestError

DEFAULT_WINRM = {"service": {"AllowUnencrypted": "false"},
                 "service/auth": {"Basic": "false", "Kerberos": "true", "Negotiate": "true",
                                  "Certificate": "false", "CredSSP": "false"}}


def winrm_setting(config: dict, path: str, key: str) -> bool:
    """A boolean of the WinRM configuration (``service``, ``AllowUnencrypted``)."""
    value = config.get(path, {}).get(key, DEFAULT_WINRM.get(path, {}).get(key, "false"))
    return str(value).lower() == "true"


def run(guest: Guest, name: str, args: list[str], raw: str | None = None) -> int:
    """Run program ``name`` (a bare name, or a path of the drive) with ``args``."""
    base = re.split(r"[\\/]", name)[-1].lower()
    stem, _, extension = base.rpartition(".")
    if extension in ("cmd", "bat") and stem in PROGRAMS and base == name.lower():
        return PROGRAMS[stem](guest, args, raw)  # winrm.cmd
    if extension in ("cmd", "bat", "ps1") and stem:
        if not os.path.isfile(guest.host(name)):
            raise GuestError(f"'{name}' is not recognized as an internal or external command,"
                             "\r\noperable program or batch file.")
        if extension == "ps1":
            from . import powershell
            return powershell.run_file(guest, name, args)
        return cmd.run_batch(guest, name, args)
    if extension in ("exe", "com") and stem:
        base = stem
    program = PROGRAMS.get(base)
    if program is None:
        raise GuestError(f"'{name}' is not recognized as an internal or external command,"
                         "\r\noperable program or batch file.")
    return program(guest, args, raw)


def _powershell(guest: Guest, args: list[str], raw: str | None) -> int:
    from . import powershell
    i = 0
    while i < len(args):
        arg = args[i]
        key = arg.lower().lstrip("-/")
        if not arg.startswith(("-", "/")):
            return powershell.run_script(guest.child(), " ".join(args[i:]))
        if key.startswith(("ex", "ep")) or key in ("inputformat", "outputformat", "windowstyle",
                                                    "version", "if", "of", "w"):
            i += 2
            continue
        if key == "e" or key.startswith("ec") or "encodedcommand".startswith(key):
            if i + 1 >= len(args):
                raise GuestError("Missing argument for parameter EncodedCommand.")
            try:
                script = base64.b64decode(args[i + 1], validate=True).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError):
                raise GuestError("Cannot process the command because the value specified with "
                                 "-EncodedCommand is not properly encoded.") from None
            child = guest.child()
            errors = bytearray()
            child.err = errors.extend
            code = powershell.run_script(child, script)
            if errors:
                guest.err(clixml_errors(errors.decode(guest.encoding, errors="replace"))
                          .encode(guest.encoding, errors="replace"))
            return code
        if "command".startswith(key):
            return powershell.run_script(guest.child(), " ".join(args[i + 1:]))
        if "file".startswith(key):
            if i + 1 >= len(args):
                raise GuestError("Missing argument for parameter File.")
            return powershell.run_file(guest.child(), args[i + 1], args[i + 2:], top=True)
        i += 1  # -NoProfile, -NonInteractive, -NoLogo, -Sta, ...
    return 0


def clixml_errors(text: str) -> str:
    """Error output as powershell.exe writes it when started with -EncodedCommand (it
    assumes a PowerShell host reads it): CLIXML, one Error string per line."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    strings = "".join(f'<S S="Error">{escape(line)}_x000D__x000A_</S>' for line in lines)
    return ("#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
            f'xmlns="http://schemas.microsoft.com/powershell/2004/04">{strings}</Objs>')


def _cmd(guest: Guest, args: list[str], raw: str | None) -> int:
    text = raw if raw is not None else " ".join(args)
    match = re.search(r"(?i)(?:^|\s)/[ck]\s?", text)
    if not match:
        return 0
    line = text[match.end():].strip()
    if line.startswith('"') and line.endswith('"') and len(line) > 1:
        line = line[1:-1]
    return cmd.run(guest.child(), line)


def _winrm(guest: Guest, args: list[str], raw: str | None) -> int:
    if not args:
        raise GuestError("Windows Remote Management Command Line Tool: no operation given.")
    operation = args[0].lower().lstrip("-/")
    if operation in ("quickconfig", "qc"):
        guest.write("WinRM service is already running on this machine.\r\n"
                    "WinRM is already set up for remote management on this computer.\r\n")
        return 0
    path = args[1].lower().removeprefix("winrm/config").strip("/") if len(args) > 1 else ""
    if operation in ("set", "s"):
        values = dict(re.findall(r'(\w+)\s*=\s*"?([^";}]*)"?', " ".join(args[2:])))
        if not values:
            raise GuestError("Error: Invalid use of command line. Type \"winrm -?\" for help.")
        section = guest.winrm_config.setdefault(path, {})
        section.update(values)
        guest.control({"winrm": {"path": path, "values": values}})
        for key, value in values.items():
            guest.write(f"    {key} = {value}\r\n")
        return 0
    if operation in ("get", "g", "enumerate", "e"):
        for section in sorted({*DEFAULT_WINRM, *guest.winrm_config}):
            if section.startswith(path):
                guest.write(f"{section or 'Config'}\r\n")
                values = {**DEFAULT_WINRM.get(section, {}), **guest.winrm_config.get(section, {})}
                for key, value in values.items():
                    guest.write(f"    {key} = {value}\r\n")
        return 0
    if operation in ("create", "c", "delete", "d"):
        return 0  # listeners: the simulator always serves 5985 and 5986
    raise GuestError(f"Error: Unknown operation name: '{args[0]}'")


def _netsh(guest: Guest, args: list[str], raw: str | None) -> int:
    guest.write("Ok.\r\n\r\n")
    return 0


SHUTDOWN_IS_SCHEDULED = 1190  # Windows error codes shutdown.exe exits with
NO_SHUTDOWN_IN_PROGRESS = 1116


def restart_request(guest: Guest, delay: float) -> int:
    """Schedule a restart; 1190 if one is already scheduled (how Packer's windows-restart
    tells a machine that has not gone down yet from one that came back)."""
    if guest.shutdown_pending:
        guest.write_err("A system shutdown has already been scheduled.(1190)\r\n")
        return SHUTDOWN_IS_SCHEDULED
    guest.control({"restart": max(0.0, delay)})
    guest.shutdown_pending = True
    return 0


def _shutdown(guest: Guest, args: list[str], raw: str | None) -> int:
    flags = [a.lower() for a in args]
    delay = 30.0
    if "/t" in flags and flags.index("/t") + 1 < len(flags):
        try:
            delay = float(flags[flags.index("/t") + 1])
        except ValueError:
            raise GuestError("shutdown: /t needs a number of seconds") from None
    if "/r" in flags or "-r" in flags:
        return restart_request(guest, delay)
    if "/a" in flags or "-a" in flags:
        if not guest.shutdown_pending:
            guest.write_err("Unable to abort the system shutdown because no shutdown was in "
                            "progress.(1116)\r\n")
            return NO_SHUTDOWN_IN_PROGRESS
        guest.control({"abort": True})
        guest.shutdown_pending = False
        return 0
    raise GuestError("The simulator's Windows guest supports shutdown /r (restart) and /a "
                     "only; stop a VM with StopVms.")


def _net(guest: Guest, args: list[str], raw: str | None) -> int:
    if len(args) >= 3 and args[0].lower() == "user" and args[1].lower() == "administrator":
        guest.control({"password": args[2]})
    elif args and args[0].lower() not in ("start", "stop", "user"):
        raise GuestError(f"The syntax of this command is: NET [ USER | START | STOP ] "
                         f"(the simulator knows these only, not {args[0]})")
    guest.write("The command completed successfully.\r\n\r\n")
    return 0


def _hostname(guest: Guest, args: list[str], raw: str | None) -> int:
    guest.write(f"{guest.env.get('COMPUTERNAME', 'WIN-SIM')}\r\n")
    return 0


def _whoami(guest: Guest, args: list[str], raw: str | None) -> int:
    guest.write(f"{guest.env.get('COMPUTERNAME', 'WIN-SIM').lower()}\\administrator\r\n")
    return 0


PROGRAMS: dict[str, Callable[[Guest, list[str], str | None], int]] = {
    "powershell": _powershell, "cmd": _cmd, "winrm": _winrm, "netsh": _netsh,
    "shutdown": _shutdown, "net": _net, "hostname": _hostname, "whoami": _whoami,
}
