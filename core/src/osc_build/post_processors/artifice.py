"""The ``artifice`` post-processor: the build's artifact becomes the files it names.

Packer users chain it after a builder to hand files (made by a provisioner, e.g.
downloaded from the VM) to ``checksum``, ``compress`` or ``manifest``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import fields, validate

from osc_build.artifact import Artifact
from osc_build.config import OptionsSchema, option
from osc_build.errors import BuildError
from osc_build.interfaces import PostProcessor

if TYPE_CHECKING:
    from osc_build.context import BuildContext

BUILDER_ID = "packer.post-processor.artifice"


class ArtificeOptionsSchema(OptionsSchema):
    files = option(fields.List(fields.String(), required=True,
                               validate=validate.Length(min=1)),
                   "Files the new artifact consists of (relative to the working directory).")
    keep_input_artifact = option(fields.Boolean(load_default=None, allow_none=True),
                                 "Keep the builder's artifact as well (Packer's option).")


class ArtificePostProcessor(PostProcessor):
    """Replaces the artifact by a file artifact; every file must exist."""

    schema = ArtificeOptionsSchema

    def post_process(self, ctx: BuildContext, artifact: Artifact,
                     config: dict[str, Any]) -> Artifact:
        missing = [name for name in config.files if not Path(name).is_file()]
        if missing:
            raise BuildError(f"files not found: {', '.join(missing)}; artifice names files "
                             "that exist when it runs (made by a provisioner or shell-local)")
        ctx.ui.message(f"Artifact is now the files: {', '.join(config.files)}")
        return Artifact(builder="artifice", builder_id=BUILDER_ID, ids=(),
                        files=tuple(config.files),
                        description="Created artifact from files: " +
                        ", ".join(config.files))
