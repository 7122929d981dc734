"""``-on-error=ask``: what to do with a failed build, asked on the terminal.

A failed step may be retried ([r], as Packer offers); a failure elsewhere
(post-processors, a builder without steps) can only be cleaned up or abandoned.
Without a terminal the build cleans up.
"""

from __future__ import annotations

import logging
import sys
import threading

from osc_build.context import BuildContext

log = logging.getLogger(__name__)

CLEANUP, ABORT, RETRY = "cleanup", "abort", "retry"
_CHOICES = {"c": CLEANUP, "a": ABORT, "r": RETRY}
_ASKING = threading.Lock()  # parallel builds ask one at a time


def ask(ctx: BuildContext, *, retry: bool = False) -> str:
    """``cleanup``, ``abort`` or (with ``retry``) ``retry``, as answered; ``cleanup`` if none."""
    with _ASKING:
        if not sys.stdin or not sys.stdin.isatty():
            ctx.ui.say("on-error=ask: no terminal to ask on; cleaning up")
            return CLEANUP
        question = ("[c] Clean up and exit, [a] abort without cleanup, or [r] retry step "
                    "(build may fail even if retry succeeds)? " if retry else
                    "[c] Clean up and exit, [a] abort without cleanup? ")
        allowed = "car" if retry else "ca"
        while True:
            sys.stdout.write(f"==> {ctx.name}: {question}")
            sys.stdout.flush()
            answer = sys.stdin.readline()
            if not answer:  # end of input: nobody to answer
                return CLEANUP
            choice = answer.strip().lower()[:1]
            if choice and choice in allowed:
                log.debug("%s: on-error=ask answered %s", ctx.name, _CHOICES[choice])
                return _CHOICES[choice]
