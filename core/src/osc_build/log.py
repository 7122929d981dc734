"""Logging setup for the CLI, and secret redaction for every handler.

Libraries and plugins only call ``logging.getLogger(__name__)``; this module is
the one place that configures handlers. Any value registered with
:func:`register_secret` is replaced by ``<redacted>`` in every record that goes
through a handler installed here, whatever the level.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading

REDACTED = "<redacted>"
_MIN_SECRET_LENGTH = 4

_secrets: dict[str, str] = {}  # value -> what is shown instead
_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None
_stale = False  # secrets were added since _pattern was compiled

# Values of these keys are hidden wherever they appear as key=value or "key": "value".
_SECRET_KEYS = re.compile(
    r"""(?P<key>["']?(?:secret_key|SecretKey|secret|password|Password|PrivateKey|private_key|
    OSC_SECRET_KEY|OUTSCALE_SECRETKEYID|SecretAccessKey|Token|token)["']?\s*[:=]\s*)
    (?P<quote>["']?)(?P<value>[^"',\s}]+)(?P=quote)""",
    re.VERBOSE,
)


def register_secret(value: str | None, *, shown_as: str = REDACTED) -> None:
    """Never show ``value`` in any log record or CLI message from now on.

    Template variables marked ``sensitive`` are shown as ``<sensitive>``, as in Packer.
    """
    global _stale
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets[value] = shown_as
        # Compiled when next needed: a private key registers each of its 50 lines, and
        # compiling after each one made 8 parallel builds spend 30 s of CPU here.
        _stale = True


def _secrets_pattern() -> re.Pattern[str] | None:
    global _pattern, _stale
    with _lock:
        if _stale:
            # Longest first, so that a secret containing another one is hidden whole.
            ordered = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in ordered))
            _stale = False
        return _pattern


def redact(text: str) -> str:
    """Hide registered secrets and values of secret-looking keys in ``text``."""
    pattern = _secrets_pattern()
    if pattern is not None:
        text = pattern.sub(lambda m: _secrets.get(m.group(0), REDACTED), text)
    return _SECRET_KEYS.sub(
        lambda m: f"{m['key']}{m['quote']}{REDACTED}{m['quote']}", text
    )


class RedactingFormatter(logging.Formatter):
    """A formatter whose output (message, arguments and traceback) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _enabled(value: str) -> bool:
    return value.strip().lower() not in ("", "0", "false", "off", "no")


def configure(*, debug: bool = False, log_path: str | None = None) -> None:
    """Install the CLI's handlers: progress at INFO on stderr, DEBUG when asked.

    ``OSC_BUILD_LOG`` (any value but ``0``/empty; ``debug`` is the usual one)
    turns on debug logs, ``OSC_BUILD_LOG_PATH`` sends them to a file instead.
    Packer's ``PACKER_LOG`` and ``PACKER_LOG_PATH`` do the same, as Packer's code does
    (a ``PACKER_LOG_PATH`` alone sends every log to that file).
    """
    debug = (debug or _enabled(os.environ.get("PACKER_LOG", ""))
             or _enabled(os.environ.get("OSC_BUILD_LOG", "")))
    log_path = (log_path or os.environ.get("OSC_BUILD_LOG_PATH")
                or os.environ.get("PACKER_LOG_PATH") or None)

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_osc_build", False):
            root.removeHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # paramiko (under fabric) says "Connected", "Authentication successful" at INFO.
    logging.getLogger("paramiko").setLevel(logging.DEBUG if debug else logging.WARNING)

    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if debug and not log_path else logging.INFO)
    console.setFormatter(RedactingFormatter("%(message)s" if not debug else
                                            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console._osc_build = True  # type: ignore[attr-defined]
    root.addHandler(console)

    if log_path:
        file_handler = logging.FileHandler(log_path, encoding="utf-8")
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(
            RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        file_handler._osc_build = True  # type: ignore[attr-defined]
        root.addHandler(file_handler)
        if not debug:
            root.setLevel(logging.DEBUG)
