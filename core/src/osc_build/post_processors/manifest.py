"""The ``manifest`` post-processor: Packer's ``packer-manifest.json``, one entry per build.

Runs append to the file, so ``builds[-1].artifact_id`` is the newest OMI. A
``<output>.lock`` file keeps parallel builds from losing each other's entries.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import fields

from osc_build.config import OptionsSchema, option
from osc_build.errors import BuildError
from osc_build.interfaces import PostProcessor
from osc_build.provisioners.scripts import build_name

if TYPE_CHECKING:
    from osc_build.artifact import Artifact
    from osc_build.context import BuildContext

LOCK_TRIES = 25
LOCK_INTERVAL = 0.2


class ManifestOptionsSchema(OptionsSchema):
    output = option(fields.String(load_default="packer-manifest.json"),
                    "File the manifest is written to (appended to across runs).")
    strip_path = option(fields.Boolean(load_default=False),
                        "Write only the base name of the artifact's files.")
    strip_time = option(fields.Boolean(load_default=False),
                        "Leave out the build_time field.")
    custom_data = option(fields.Dict(keys=fields.String(), values=fields.String(),
                                     load_default=None),
                         "Extra key/value pairs stored with the build's entry.")


class ManifestPostProcessor(PostProcessor):
    """Records the build's artifact in a JSON manifest file (Packer's format)."""

    schema = ManifestOptionsSchema

    def post_process(self, ctx: BuildContext, artifact: Artifact,
                     config: Any) -> Artifact:
        output = Path(config.output)
        if not output.is_absolute():
            output = Path.cwd() / output
        entry = manifest_entry(ctx, artifact, config)
        output.parent.mkdir(parents=True, exist_ok=True)
        with _locked(output):
            manifest = _read(output)
            manifest["builds"].append(entry)
            manifest["last_run_uuid"] = ctx.run_id
            tmp = output.with_name(output.name + ".tmp")
            tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            tmp.chmod(0o664)
            os.replace(tmp, output)
        ctx.ui.message(f"Manifest written to {config.output}")
        return artifact


def manifest_entry(ctx: BuildContext, artifact: Artifact, config: Any) -> dict:
    files = None
    if artifact.files:
        files = [{"name": os.path.basename(path) if config.strip_path else path,
                  "size": os.path.getsize(path) if os.path.exists(path) else 0}
                 for path in artifact.files]
    entry: dict[str, Any] = {"name": build_name(ctx), "builder_type": ctx.builder}
    if not config.strip_time:
        entry["build_time"] = int(time.time())
    entry.update({"files": files, "artifact_id": artifact.id, "packer_run_uuid": ctx.run_id,
                  "custom_data": config.custom_data or None})
    return entry


def _read(output: Path) -> dict[str, Any]:
    if not output.exists() or not output.read_text(encoding="utf-8").strip():
        return {"builds": [], "last_run_uuid": ""}
    try:
        manifest = json.loads(output.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise BuildError(f"manifest {output} is not valid JSON ({err.msg} at line "
                         f"{err.lineno}); fix or remove it") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("builds"), list):
        raise BuildError(f"manifest {output} has no \"builds\" list; fix or remove it")
    return manifest


@contextlib.contextmanager
def _locked(output: Path) -> Iterator[None]:
    lock = output.with_name(output.name + ".lock")
    for _ in range(LOCK_TRIES):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            break
        except FileExistsError:
            time.sleep(LOCK_INTERVAL)
    else:
        raise BuildError(f"manifest {output} is locked by {lock}; if no other build is "
                         "running, remove that file")
    try:
        yield
    finally:
        os.close(fd)
        lock.unlink(missing_ok=True)
