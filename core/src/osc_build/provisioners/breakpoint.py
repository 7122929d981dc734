"""The ``breakpoint`` provisioner: stop the build until someone presses Enter."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

from marshmallow import fields

from osc_build.config import OptionsSchema, option
from osc_build.interfaces import Provisioner

if TYPE_CHECKING:
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator


class BreakpointOptionsSchema(OptionsSchema):
    note = option(fields.String(load_default=""), "Shown when the build stops here.")
    disable = option(fields.Boolean(load_default=False), "Go on without stopping.")


class BreakpointProvisioner(Provisioner):
    """Pauses the build (to inspect the machine) until Enter is pressed; Ctrl-C stops it."""

    schema = BreakpointOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Communicator,
                  config: Any) -> None:
        note = config.note or ""
        with_note = f' with note "{note}"' if note else ""
        if config.disable:
            ctx.ui.say(f"Breakpoint provisioner{with_note} disabled; continuing...")
            return
        ctx.ui.say(f"Pausing at breakpoint provisioner{with_note}.")
        ctx.ui.say("Press enter to continue.")
        pressed = threading.Event()

        def read() -> None:
            sys.stdin.readline()  # end of input counts as Enter: nobody can press it
            pressed.set()

        threading.Thread(target=read, name="breakpoint", daemon=True).start()
        while not pressed.wait(0.2):
            ctx.check_cancelled()
