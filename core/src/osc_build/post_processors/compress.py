"""The ``compress`` post-processor: the artifact's files in one archive.

The format follows the output's extension, as in Packer: ``.tar``, ``.tar.gz``/``.tgz``,
``.tar.bz2``, ``.tar.xz``, ``.zip``, ``.gz``/``.xz``/``.bz2`` (one file); ``format``
overrides it. Packer's lz4 and bgzf formats need codecs that are not here: refused.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import shutil
import tarfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import fields, validate

from osc_build.artifact import Artifact
from osc_build.config import OptionsSchema, option
from osc_build.errors import BuildError
from osc_build.interfaces import PostProcessor
from osc_build.provisioners.scripts import build_name, expand

if TYPE_CHECKING:
    from osc_build.context import BuildContext

BUILDER_ID = "packer.post-processor.compress"
DEFAULT_OUTPUT = "packer_{{.BuildName}}_{{.BuilderType}}.tar.gz"
# Longest suffix first: ".tar.gz" before ".gz".
FORMATS = ("tar.gz", "tgz", "tar.bz2", "tar.xz", "tar", "zip", "gz", "bz2", "xz")
SINGLE_FILE = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}


class CompressOptionsSchema(OptionsSchema):
    output = option(fields.String(load_default=DEFAULT_OUTPUT),
                    "Archive to write; {{.BuildName}} and {{.BuilderType}} are replaced; the "
                    "extension chooses the format (default .tar.gz).")
    format = option(fields.String(load_default=None, validate=validate.OneOf(FORMATS)),
                    "Archive format when the extension does not say it: "
                    + ", ".join(FORMATS) + ".")
    compression_level = option(fields.Integer(load_default=6, validate=validate.Range(-1, 9)),
                               "0 (none) to 9 (smallest); -1: the format's default.")
    keep_input_artifact = option(fields.Boolean(load_default=None, allow_none=True),
                                 "Keep the input artifact's files as well (Packer's option).")


def archive_format(output: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    name = output.lower()
    if name.endswith((".lz4", ".bgzf")):
        raise BuildError(f"output {output!r}: lz4 and bgzf archives are not supported here; "
                         "use .tar.gz, .tar.xz, .tar.bz2 or .zip")
    return next((f for f in FORMATS if name.endswith("." + f)), "tar.gz")


class CompressPostProcessor(PostProcessor):
    """Writes the artifact's files into one archive; the new artifact is that archive."""

    schema = CompressOptionsSchema

    def post_process(self, ctx: BuildContext, artifact: Artifact,
                     config: dict[str, Any]) -> Artifact:
        if not artifact.files:
            raise BuildError(f"the {artifact.builder} artifact has no files to compress (an "
                             "OMI or a volume is not a file); chain artifice first to name "
                             "files")
        output = Path(expand(config.output, {"BuildName": build_name(ctx),
                                                "BuilderType": ctx.builder}))
        kind = archive_format(str(output), config.format)
        level = config.compression_level
        output.parent.mkdir(parents=True, exist_ok=True)
        ctx.ui.message(f"Compressing {len(artifact.files)} file(s) into {output} ({kind})")
        if kind in SINGLE_FILE:
            _single(artifact.files, output, kind, level)
        elif kind == "zip":
            _zip(artifact.files, output, level)
        else:
            _tar(artifact.files, output, kind, level)
        return Artifact(builder="compress", builder_id=BUILDER_ID, ids=artifact.ids,
                        files=(str(output),), description=f"compressed artifacts in: {output}")


def _tar(files: tuple[str, ...], output: Path, kind: str, level: int) -> None:
    mode = {"tar": "w", "tar.gz": "w:gz", "tgz": "w:gz", "tar.bz2": "w:bz2",
            "tar.xz": "w:xz"}[kind]
    options: dict[str, Any] = {}
    if mode in ("w:gz", "w:bz2") and level >= 0:
        options["compresslevel"] = max(level, 1) if mode == "w:bz2" else level
    elif mode == "w:xz" and level >= 0:
        options["preset"] = level
    with tarfile.open(output, mode, **options) as archive:
        for name in files:
            archive.add(name, arcname=os.path.basename(name))


def _zip(files: tuple[str, ...], output: Path, level: int) -> None:
    method = zipfile.ZIP_STORED if level == 0 else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(output, "w", compression=method,
                         compresslevel=None if level < 0 else level) as archive:
        for name in files:
            archive.write(name, arcname=os.path.basename(name))


def _single(files: tuple[str, ...], output: Path, kind: str, level: int) -> None:
    if len(files) != 1:
        raise BuildError(f"a .{kind} file holds one file, and the artifact has "
                         f"{len(files)}; use .tar.{kind} (or .tgz) instead")
    options: dict[str, Any] = {}
    if level >= 0 and kind in ("gz", "bz2"):
        options["compresslevel"] = max(level, 1) if kind == "bz2" else level
    elif level >= 0:
        options["preset"] = level
    with open(files[0], "rb") as source, SINGLE_FILE[kind](output, "wb", **options) as target:
        shutil.copyfileobj(source, target)
