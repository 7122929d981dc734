"""Run one Windows command line inside a VM: ``python -m osc_build_sim.machine.windows.guest FD``.

FD is a file descriptor to read a JSON spec from (not the spec itself: a command line is
visible to every user of this machine): ``pid`` (the VM's init, whose mount namespace this
process enters: from then on ``/`` is the VM's root volume and nothing of this machine is
reachable by path) or ``root`` (a directory, for tests), ``command`` (or ``batch``, the
lines of a batch file), ``env``, ``cwd``, ``codepage`` and ``winrm`` (its configuration).
Output goes to stdout and stderr as it comes; requests to the simulator (restart, WinRM
settings, the exit code) are JSON lines on the file descriptor ``control_fd`` names.
Everything the interpreter needs is imported before the namespace is entered.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time

# Imported here: once inside the VM, this machine's Python library is out of reach.
from . import cmd, powershell, programs  # noqa: F401
from .runtime import Drive, Env, Guest

CLONE_NEWNS = 0x00020000
CODECS = ("cp437", "cp850", "cp1252", "utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "ascii",
          "latin-1")


def enter_vm(pid: int) -> None:
    """Join the mount namespace of the VM's init: its root volume becomes our /."""
    for codec in CODECS:  # load every codec now (a later lookup would import a module)
        "x".encode(codec)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(fd, CLONE_NEWNS) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"cannot enter the VM's mount namespace: {os.strerror(error)}")
    finally:
        os.close(fd)
    os.chdir("/")


def main() -> int:
    with os.fdopen(int(sys.argv[1]), "rb") as source:
        spec = json.loads(source.read())
    control_fd = spec.get("control_fd")
    if spec.get("pid"):
        enter_vm(int(spec["pid"]))
        root = "/"
    else:
        root = spec["root"]

    def control(message: dict) -> None:
        if control_fd is not None:
            os.write(control_fd, (json.dumps(message) + "\n").encode())

    def write(fd: int):
        def writer(data: bytes) -> None:
            while data:
                data = data[os.write(fd, data):]
        return writer

    guest = Guest(Drive(root), Env(spec.get("env") or {}), spec.get("cwd") or "C:\\",
                  int(spec.get("codepage") or 437), write(1), write(2), control,
                  dict(spec.get("winrm") or {}), time.sleep,
                  bool(spec.get("shutdown_pending")))
    try:
        if spec.get("batch") is not None:
            try:
                code = cmd.run_batch_text(guest, spec["batch"], [])
            except cmd.CmdExit as done:
                code = done.code
        else:
            code = cmd.run(guest, spec["command"])
    except Exception as error:  # the interpreter's own bug: say it like a crashed program
        guest.write_err(f"The simulator's Windows guest failed: {type(error).__name__}: "
                        f"{error}\r\n")
        code = 1
    control({"exit": code})
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
