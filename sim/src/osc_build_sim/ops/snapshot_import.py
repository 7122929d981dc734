"""CreateSnapshot with ``FileLocation``: a snapshot from a disk image in OOS (pre-signed URL).

The object may be what CreateSnapshotExportTask wrote (gzip-compressed qcow2 or raw) or
an uploaded image; ``SnapshotSize`` (bytes) must hold the uncompressed disk.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import ApiError, missing_set
from . import Ctx
from .image_import import GIB, download_snapshot
from .snapshot_doc import new_snapshot


def import_snapshot(ctx: Ctx, body: dict) -> tuple[dict, object]:
    """The new snapshot (pending) and the job that downloads its data."""
    url = body["FileLocation"]
    if urlsplit(url).scheme not in ("http", "https"):
        raise ApiError(400, 4074, f"FileLocation {url!r} is not an http(s) URL.")
    size = body.get("SnapshotSize")
    if not size:
        raise missing_set("CreateSnapshot with FileLocation needs SnapshotSize (bytes).")
    if size <= 0:
        raise ApiError(400, 4047, f"SnapshotSize {size} is not a positive number of bytes.")
    doc = new_snapshot(ctx, "", -(-size // GIB), body.get("Description", ""))
    entry = {"PreSignedUrl": url, "Size": size, "Filename": urlsplit(url).path}
    return doc, lambda: download_snapshot(ctx, doc["_id"], entry)
