"""The ``checksum`` post-processor: checksum files for the artifact's files.

OMIs have no files, so for them it writes nothing; volume or file artifacts do.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import fields, validate

from osc_build.artifact import Artifact
from osc_build.config import OptionsSchema, option
from osc_build.interfaces import PostProcessor
from osc_build.provisioners.scripts import build_name, expand

if TYPE_CHECKING:
    from osc_build.context import BuildContext

CHECKSUM_TYPES = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
DEFAULT_OUTPUT = "packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum"


class ChecksumOptionsSchema(OptionsSchema):
    checksum_types = option(fields.List(fields.String(validate=validate.OneOf(CHECKSUM_TYPES)),
                                        load_default=lambda: ["md5"]),
                            "Digests to compute: " + ", ".join(CHECKSUM_TYPES) + ".")
    output = option(fields.String(load_default=DEFAULT_OUTPUT),
                    "Checksum file; {{.BuildName}}, {{.BuilderType}} and {{.ChecksumType}} "
                    "are replaced.")


class ChecksumPostProcessor(PostProcessor):
    """Appends ``<hex digest>\\t<file name>`` lines for each file of the artifact."""

    schema = ChecksumOptionsSchema

    def post_process(self, ctx: BuildContext, artifact: Artifact,
                     config: Any) -> Artifact:
        written = []
        for kind in config.checksum_types:
            if not artifact.files:
                break
            output = Path(expand(config.output, {
                "BuildName": build_name(ctx), "BuilderType": ctx.builder,
                "ChecksumType": kind}))
            output.parent.mkdir(parents=True, exist_ok=True)
            with output.open("a", encoding="utf-8") as handle:
                for path in artifact.files:
                    handle.write(f"{digest(kind, path)}\t{os.path.basename(path)}\n")
            written.append(str(output))
            ctx.ui.message(f"{kind} checksums written to {output}")
        return Artifact(builder="checksum", builder_id="packer.post-processor.checksum",
                        ids=artifact.ids, files=tuple(written),
                        description="Created artifact from files: " + ", ".join(written))


def digest(kind: str, path: str) -> str:
    hasher = hashlib.new(kind)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()
