"""Test plugin: the build signals its own process at a chosen step.

``OSC_BUILD_REL_SIGNAL="STEP NAME|SIGINT|DELAY"`` sends the signal DELAY seconds
after the step starts (0: at the step boundary, before the step runs), and
prints ``signal-plugin: sent SIGINT at STEP`` so the test knows it fired.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from osc_build import hookimpl


@hookimpl
def osc_build_step(ctx, step, state):
    wanted = os.environ.get("OSC_BUILD_REL_SIGNAL", "")
    name, _, rest = wanted.partition("|")
    if not name or step.name != name:
        return
    signame, _, delay = rest.partition("|")
    signum = getattr(signal, signame or "SIGINT")

    def send():
        print(f"signal-plugin: sent {signame} at {step.name}", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signum)

    if float(delay or 0) <= 0:
        send()
    else:
        threading.Timer(float(delay), send).start()
