"""The ``file`` provisioner: copy files and directories to or from the machine.

Directories follow rsync's trailing-slash rule, as in Packer: ``src/`` copies
the contents of ``src`` into the destination, ``src`` copies ``src`` itself.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields, validate

from osc_build.config import OptionsSchema, cross_check, option
from osc_build.interfaces import Provisioner
from osc_build.provisioners.scripts import upload_bytes

if TYPE_CHECKING:
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator


class FileOptionsSchema(OptionsSchema):
    source = option(fields.String(load_default=None),
                    "Local path to upload, or remote path to download.")
    sources = option(fields.List(fields.String(), load_default=None),
                     "Several paths to upload or download.")
    content = option(fields.String(load_default=None),
                     "Text to write to the destination, instead of a source.")
    destination = option(fields.String(required=True),
                         "Where the files go: a remote path (upload) or local path (download).")
    direction = option(fields.String(load_default="upload", validate=validate.OneOf(
        ("upload", "download"), error="direction must be one of: download, upload")),
        "upload (to the machine) or download (from it).")
    generated = option(fields.Boolean(load_default=False),
                       "The local sources are made during the build: do not check them now.")

    @cross_check
    def _sources(self, data: Mapping[str, Any], **_: Any) -> None:
        sources = _sources_of(data.get("source"), data.get("sources"))
        if data.get("content") is not None:
            if sources:
                raise ValidationError("source(s) conflicts with content; use one or the other")
            if data.get("direction") == "download":
                raise ValidationError("content can only be uploaded", field_name="content")
            return
        if not sources:
            raise ValidationError("source, sources or content must be specified")
        if data.get("direction", "upload") == "upload" and not data.get("generated"):
            for path in sources:
                if not os.path.exists(path):
                    raise ValidationError(f"bad source {path!r}: no such file or directory "
                                          "(set generated = true if the build makes it)")


def _sources_of(source: str | None, sources: list[str] | None) -> list[str]:
    return ([source] if source else []) + list(sources or ())


class FileProvisioner(Provisioner):
    """Uploads files, directories or text to the machine, or downloads them from it."""

    schema = FileOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Communicator,
                  config: Any) -> None:
        destination = config.destination
        if config.content is not None:
            ctx.ui.say(f"Uploading content => {destination}")
            upload_bytes(communicator, config.content.encode(), destination, 0o644)
            return
        for source in _sources_of(config.source, config.sources):
            ctx.check_cancelled()
            if config.direction == "download":
                ctx.ui.say(f"Downloading {source} => {destination}")
                _download(communicator, source, destination)
            else:
                ctx.ui.say(f"Uploading {source} => {destination}")
                _upload(communicator, source, destination)


def _upload(communicator: Communicator, source: str, destination: str) -> None:
    local = Path(source)
    if local.is_dir() and not source.endswith("/"):
        destination = posixpath.join(destination, local.name)
    communicator.upload(local, destination)


def _download(communicator: Communicator, source: str, destination: str) -> None:
    target = Path(destination)
    if destination.endswith(("/", os.sep)):
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    communicator.download(source, target)
