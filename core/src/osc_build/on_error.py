"""``-on-error=ask``: what to do with a failed build, asked on the terminal.

A failed step may be retried ([r], as Packer offers); a failure elsewhere
(post-processors, a builder without steps) can only be cleaned up or abandoned.
Without a terminal, with ``-machine-readable`` (Packer's machine UI cannot ask)
or after a Ctrl-C, the build cleans up.

Parallel builds ask one at a time, each in its own thread, while only the main
thread gets Ctrl-C: it sets every build's ``cancelled`` event, so the question
waits for a line with ``select`` and gives up, as "clean up", once it is set.
"""

from __future__ import annotations

import logging
import os
import select
import sys
import threading

from osc_build.context import BuildContext

log = logging.getLogger(__name__)

CLEANUP, ABORT, RETRY = "cleanup", "abort", "retry"
_CHOICES = {"c": CLEANUP, "a": ABORT, "r": RETRY}
_ASKING = threading.Lock()  # parallel builds ask one at a time
_POLL = 0.1  # seconds between looks at the cancelled event


def ask(ctx: BuildContext, *, retry: bool = False) -> str:
    """``cleanup``, ``abort`` or (with ``retry``) ``retry``, as answered; ``cleanup`` if none."""
    if not sys.stdin or not sys.stdin.isatty():
        return _cleanup(ctx, "no terminal to ask on")
    if ctx.ui.machine_readable:
        return _cleanup(ctx, "machine-readable output cannot ask")
    while not _ASKING.acquire(timeout=_POLL):
        if ctx.cancelled.is_set():
            return _cleanup(ctx, "interrupted")
    try:
        return _ask_on_terminal(ctx, retry)
    except KeyboardInterrupt:  # Ctrl-C while the main thread itself asks (one build)
        ctx.cancelled.set()
        sys.stdout.write("\n")
        return _cleanup(ctx, "interrupted")
    finally:
        _ASKING.release()


def _ask_on_terminal(ctx: BuildContext, retry: bool) -> str:
    question = ("[c] Clean up and exit, [a] abort without cleanup, or [r] retry step "
                "(build may fail even if retry succeeds)? " if retry else
                "[c] Clean up and exit, [a] abort without cleanup? ")
    allowed = "car" if retry else "ca"
    while True:
        if ctx.cancelled.is_set():
            return _cleanup(ctx, "interrupted")
        sys.stdout.write(f"==> {ctx.name}: {question}")
        sys.stdout.flush()
        answer = _read_line(ctx)
        if answer is None:  # Ctrl-C in the main thread while we waited
            sys.stdout.write("\n")
            return _cleanup(ctx, "interrupted")
        if not answer:  # end of input: nobody to answer
            return CLEANUP
        choice = answer.strip().lower()[:1]
        if choice and choice in allowed:
            log.debug("%s: on-error=ask answered %s", ctx.name, _CHOICES[choice])
            return _CHOICES[choice]


def _read_line(ctx: BuildContext) -> str | None:
    """A line typed on the terminal ('' at end of input), or None once the build is cancelled.

    A terminal in canonical mode is readable only when a whole line is typed, and
    a read returns at most that line: nothing is left in a buffer select cannot see.
    """
    fd = sys.stdin.fileno()
    while not ctx.cancelled.is_set():
        ready, _, _ = select.select([fd], [], [], _POLL)
        if ready:
            return os.read(fd, 4096).decode(errors="replace")
    return None


def _cleanup(ctx: BuildContext, why: str) -> str:
    ctx.ui.say(f"on-error=ask: {why}; cleaning up")
    return CLEANUP
