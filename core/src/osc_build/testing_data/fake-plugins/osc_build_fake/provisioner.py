"""fake-shell: runs inline commands through the builder's communicator."""

from __future__ import annotations

from marshmallow import fields

from osc_build.config import OptionsSchema, option
from osc_build.errors import BuildError
from osc_build.interfaces import Provisioner


class ShellOptionsSchema(OptionsSchema):
    inline = option(fields.List(fields.String(), required=True), "Commands to run.")


class ShellProvisioner(Provisioner):
    """Test-only provisioner: run commands with the communicator."""

    schema = ShellOptionsSchema

    def provision(self, ctx, communicator, config):
        for command in config.inline:
            ctx.ui.message(f"running {command}")
            status = communicator.run(command)
            if status != 0:
                raise BuildError(f"command {command!r} exited with status {status}")
