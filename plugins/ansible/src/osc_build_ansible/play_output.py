"""Reading ansible-playbook's output as it streams: which task failed, on which host, why.

The default callback prints ``TASK [name] ***`` before each task and
``fatal: [host]: FAILED! => {json}`` (or ``failed: [host] (item=...) => ...``,
``UNREACHABLE!``) when it fails; a failure followed by ``...ignoring`` does not count.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

_TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<name>.*)\] \**\s*$")
_FAILED = re.compile(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\](?: \(item=.*\))?: "
                     r"(?P<kind>FAILED|UNREACHABLE)! => (?P<detail>.*)$")
_FAILED_ITEM = re.compile(r"^failed: \[(?P<host>[^\]]+)\] \(item=.*\) => (?P<detail>.*)$")
_ERROR = re.compile(r"^(?:ERROR! |\[ERROR\]: )(?P<message>.+)$")


@dataclass(frozen=True)
class TaskFailure:
    task: str
    host: str
    reason: str
    unreachable: bool = False

    def describe(self) -> str:
        what = "could not reach" if self.unreachable else "failed on"
        task = f'task "{self.task}"' if self.task else "the play"
        return f"{task} {what} host {self.host}: {self.reason}"


def _reason(detail: str) -> str:
    """The ``msg`` of the JSON result, else its first line."""
    try:
        result = json.loads(detail)
    except ValueError:
        return detail.strip()[:300]
    if not isinstance(result, dict):
        return str(result)[:300]
    msg = str(result.get("msg") or result.get("stderr") or result.get("reason") or "").strip()
    msg = msg.splitlines()[0][:300] if msg else "no message"
    rc = result.get("rc")
    return f"{msg} (rc {rc})" if rc not in (None, 0) else msg


class PlayWatcher:
    """Shows every line (through ``emit``) and remembers the first failure and error."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self.emit = emit
        self.task = ""
        self.failure: TaskFailure | None = None
        self.error = ""
        self._pending: TaskFailure | None = None
        self._lock = threading.Lock()  # stdout and stderr arrive on two threads

    def __call__(self, line: str) -> None:
        self.emit(line)
        with self._lock:
            self._read(line)

    def _read(self, line: str) -> None:
        if self._pending is not None:
            if line.strip() != "...ignoring" and self.failure is None:
                self.failure = self._pending
            self._pending = None
        if match := _TASK.match(line):
            self.task = match["name"]
        elif match := _FAILED.match(line):
            self._pending = TaskFailure(self.task, match["host"], _reason(match["detail"]),
                                        unreachable=match["kind"] == "UNREACHABLE")
        elif match := _FAILED_ITEM.match(line):
            self._pending = TaskFailure(self.task, match["host"], _reason(match["detail"]))
        elif (match := _ERROR.match(line)) and not self.error:
            self.error = match["message"].strip()

    def finish(self) -> None:
        """The output ended: a failure on its last line counts."""
        with self._lock:
            if self._pending is not None and self.failure is None:
                self.failure = self._pending
            self._pending = None

    def explain(self, status: int) -> str:
        """Why ansible-playbook exited with ``status``, for the build's error."""
        self.finish()
        if self.failure is not None:
            cause = self.failure.describe()
        elif self.error:
            cause = self.error
        else:
            cause = "see its output above"
        return f"{cause} (ansible-playbook exited with status {status})"
