"""What a build says to the person running it, Packer-style.

``==> outscale-bsu.main: Creating temporary keypair...`` for steps,
``    outscale-bsu.main: ...`` for details. Output is redacted like the logs.
"""

from __future__ import annotations

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
        self.color = self.stream.isatty() if color is None else color
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
        with _write_lock:
            if self.machine_readable:
                for line in text.splitlines() or [""]:
                    self.stream.write(machine_line(self.name, "ui", kind, line) + "\n")
            else:
                stamp = (time.strftime("%Y-%m-%dT%H:%M:%SZ ", time.gmtime())
                         if self.timestamps else "")
                color = _COLORS[kind] if self.color else ""
                reset = _RESET if color else ""
                for line in text.splitlines() or [""]:
                    self.stream.write(f"{stamp}{color}{prefix}{line}{reset}\n")
            self.stream.flush()


def machine_line(target: str, type_: str, *data: str) -> str:
    """One line of Packer's ``-machine-readable`` format: timestamp,target,type,data..."""
    escaped = [d.replace(",", "%!(PACKER_COMMA)").replace("\r", "\\r").replace("\n", "\\n")
               for d in data]
    return ",".join([str(int(time.time())), target, type_, *escaped])
