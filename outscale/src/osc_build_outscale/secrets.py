"""Values that must never be shown: the client records them, log set-ups subscribe.

The client has no logging set-up of its own; osc-build's core (when installed)
subscribes its redaction, so a secret key read here is hidden from every log.
"""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable[[str], None]] = []
_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Tell every subscriber that ``value`` is secret."""
    if not value:
        return
    _known.add(value)
    for listener in _listeners:
        listener(value)


def subscribe(listener: Callable[[str], None]) -> None:
    """Call ``listener`` with every secret, those registered already included."""
    if listener in _listeners:
        return
    _listeners.append(listener)
    for value in list(_known):
        listener(value)
