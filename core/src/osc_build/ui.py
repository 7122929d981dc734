"""What a build says to the person running it, Packer-style.

``==> outscale-bsu.main: Creating temporary keypair...`` for steps,
``    outscale-bsu.main: ...`` for details. Output is redacted like the logs.
With ``-machine-readable`` every line is Packer's ``timestamp,target,type,data...``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

from osc_build.log import redact

_COLORS = {"say": "\033[1;32m", "error": "\033[1;31m", "message": ""}
_RESET = "\033[0m"
_write_lock = threading.Lock()


class Ui:
    """Prefixed, redacted, thread-safe output for one build."""

    def __init__(self, name: str, *, stream: TextIO | None = None, color: bool | None = None,
                 timestamps: bool = False, machine_readable: bool = False) -> None:
        self.name = name
        self.stream = stream if stream is not None else sys.stdout
        self.color = color if color is not None else (self.stream.isatty()
                                                       and not colour_disabled_by_env())
        self.timestamps = timestamps
        self.machine_readable = machine_readable

    def say(self, text: str) -> None:
        """A step or a milestone."""
        self._emit("say", f"==> {self.name}: ", text)

    def message(self, text: str) -> None:
        """A detail of the current step."""
        self._emit("message", f"    {self.name}: ", text)

    def error(self, text: str) -> None:
        self._emit("error", f"==> {self.name}: ", text)

    def _emit(self, kind: str, prefix: str, text: str) -> None:
        text = redact(text)
        lines = text.splitlines() or [""]
        with _write_lock:
            if self.machine_readable:
                # As Packer's TargetedUI: one record, each line prefixed, the target empty.
                data = "\n".join(f"{prefix}{line}" for line in lines).rstrip()
                if self.timestamps:
                    data = f"{_stamp()}: {data}"
                self.stream.write(machine_line("", "ui", kind, data) + "\n")
            else:
                stamp = f"{_stamp()}: " if self.timestamps else ""
                color = _COLORS[kind] if self.color else ""
                reset = _RESET if color else ""
                for line in lines:
                    self.stream.write(f"{stamp}{color}{prefix}{line}{reset}\n")
            self.stream.flush()


def _stamp() -> str:
    """Packer's -timestamp-ui prefix: RFC 3339 in local time."""
    now = time.localtime()
    offset = time.strftime("%z", now)  # +0100
    zone = "Z" if offset in ("+0000", "-0000", "") else f"{offset[:3]}:{offset[3:]}"
    return time.strftime("%Y-%m-%dT%H:%M:%S", now) + zone


class MachineUi:
    """The command's own output (not a build's) in ``-machine-readable`` mode, or plain.

    ``say``/``error`` are ``ui`` records (plain text otherwise); ``machine`` records
    (``artifact``, ``error-count``...) are written only in machine-readable mode.
    """

    def __init__(self, machine_readable: bool, stream: TextIO | None = None) -> None:
        self.machine_readable = machine_readable
        self.stream = stream if stream is not None else sys.stdout

    def say(self, text: str) -> None:
        self._ui("say", text)

    def error(self, text: str) -> None:
        self._ui("error", text)

    def machine(self, target: str, type_: str, *data: str) -> None:
        if self.machine_readable:
            self._write(machine_line(target, type_, *data))

    def _ui(self, kind: str, text: str) -> None:
        if self.machine_readable:
            self._write(machine_line("", "ui", kind, text))
        else:
            self._write(redact(text))

    def _write(self, line: str) -> None:
        with _write_lock:
            self.stream.write(line + "\n")
            self.stream.flush()


def machine_line(target: str, type_: str, *data: str) -> str:
    """One line of Packer's ``-machine-readable`` format: timestamp,target,type,data...

    Each data field is redacted (sensitive variables show as ``<sensitive>``), then
    commas become ``%!(PACKER_COMMA)`` and CR/LF the two characters ``\\r``/``\\n``.
    """
    return ",".join([str(int(time.time())), target, type_, *map(escape_field, data)])


def escape_field(value: str) -> str:
    """A data field of a machine-readable line: redacted, with no comma or line break."""
    return (redact(str(value)).replace(",", "%!(PACKER_COMMA)").replace("\r", "\\r")
            .replace("\n", "\\n"))


def colour_disabled_by_env() -> bool:
    """``NO_COLOR`` (no-color.org: present and not empty) or Packer's ``PACKER_NO_COLOR``."""
    return bool(os.environ.get("NO_COLOR") or os.environ.get("PACKER_NO_COLOR"))
