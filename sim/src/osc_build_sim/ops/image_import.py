"""CreateImage with ``FileLocation``: register an OMI from an exported manifest in OOS.

The manifest (OUTSCALE's Manifest File Reference) is fetched at once through its
pre-signed URL, so a bad URL or manifest is refused by the call itself; the snapshots
are then downloaded from their own pre-signed URLs, unpacked (gzip; qcow2 or raw) and
become new snapshots of the caller's account, and the OMI turns ``available``.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ..backend import BackendError
from ..catalogue import WINDOWS_PRODUCT_CODES
from ..diskimage import DiskImageError, import_file
from ..errors import ApiError
from ..store import Tx
from . import Ctx
from .snapshot_doc import new_snapshot

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 60
GIB = 1 << 30


def _fetch(url: str, what: str):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ApiError(400, 4074, f"The {what} URL {url!r} is not an http(s) URL.")
    try:
        return urllib.request.urlopen(url, timeout=FETCH_TIMEOUT)
    except urllib.error.HTTPError as exc:
        raise ApiError(400, 5031, f"The {what} at {parts.path!r} cannot be read "
                                  f"(HTTP {exc.code}).") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ApiError(400, 4088, f"OOS is unreachable for the {what}: {exc}") from None


def read_manifest(url: str) -> dict:
    with _fetch(url, "manifest") as response:
        text = response.read()
    try:
        manifest = json.loads(text)
    except ValueError:
        raise ApiError(400, 4041, "The manifest is not JSON.") from None
    if not isinstance(manifest, dict):
        raise ApiError(400, 4041, "The manifest is not a JSON object.")
    if manifest.get("Version") != 1:
        raise ApiError(400, 4094, f"Manifest version {manifest.get('Version')!r} is not 1.")
    image = manifest.get("Image")
    snapshots = image.get("Snapshots") if isinstance(image, dict) else None
    if not snapshots or not isinstance(snapshots, list):
        raise ApiError(400, 4040, "The manifest has no Image.Snapshots.")
    for entry in snapshots:
        if not isinstance(entry, dict) or not all(
                entry.get(k) for k in ("Device", "PreSignedUrl", "Size")):
            raise ApiError(400, 4040, "Each manifest snapshot needs Device, PreSignedUrl "
                                      "and Size.")
        if not isinstance(entry["Size"], int) or entry["Size"] <= 0:
            raise ApiError(400, 4040, f"Snapshot size {entry['Size']!r} is not a number of "
                                      "bytes.")
    return image


def _root_device(devices: list[str]) -> str:
    return "/dev/sda1" if "/dev/sda1" in devices else devices[0]


def import_image(ctx: Ctx, tx: Tx, body: dict, manifest: dict,
                 new_image) -> tuple[dict, object]:
    """The OMI (pending) and the job that fills its snapshots, for ``create_image``."""
    entries = manifest["Snapshots"]
    codes = manifest.get("ProductTypes") or ["0001"]
    # a Windows OMI's product code says it is Windows: it boots as one again
    windows = ({"_platform": "windows", "_default_user": "Administrator"}
               if set(codes) & set(WINDOWS_PRODUCT_CODES) else {})
    image = new_image(ctx, tx, body, body.get("ImageName") or manifest.get("Name") or "",
                      Description=body.get("Description", manifest.get("Description", "")),
                      Architecture=manifest.get("Architecture", "x86_64"),
                      ProductCodes=codes, **windows,
                      RootDeviceName=_root_device([e["Device"] for e in entries]),
                      FileLocation=body["FileLocation"])
    jobs = []
    for entry in entries:
        size_gib = -(-entry["Size"] // GIB)
        snap = new_snapshot(ctx, "", size_gib,
                            f"Imported from {entry.get('Filename', 'a manifest')} for "
                            f"{image['ImageId']}")
        tx.put(snap)
        jobs.append((snap, entry))
        image["BlockDeviceMappings"].append({"DeviceName": entry["Device"], "Bsu": {
            "SnapshotId": snap["_id"], "VolumeSize": size_gib,
            "VolumeType": entry.get("VolumeType") or "standard",
            "DeleteOnVmDeletion": bool(entry.get("DeleteOnTermination", True))}})

    def work() -> None:
        for snap, entry in jobs:
            download_snapshot(ctx, snap["_id"], entry)
    return image, work


def download_snapshot(ctx: Ctx, snapshot_id: str, entry: dict) -> None:
    """Fill ``snapshot_id`` from ``entry``'s PreSignedUrl (a manifest's snapshot entry)."""
    workdir = ctx.sim.data_dir / "oos-work"
    workdir.mkdir(exist_ok=True)
    raw = workdir / f"{snapshot_id}.import.raw"
    try:
        try:
            with _fetch(entry["PreSignedUrl"], "snapshot") as response:
                import_file(io.BufferedReader(response), raw, entry["Size"], workdir)
        except ApiError as exc:
            raise BackendError(exc.details) from None
        except (DiskImageError, OSError, http.client.HTTPException) as exc:
            raise BackendError(f"{entry.get('Filename', snapshot_id)}: {exc}") from None
        adopt = getattr(ctx.sim.backend, "import_snapshot", None)
        if adopt is not None:
            adopt(snapshot_id, raw)
    finally:
        raw.unlink(missing_ok=True)

