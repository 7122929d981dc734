"""Objects of a moto S3 server kept on disk: written through after each change, restored at start.

Layout: ``ROOT/<account>/<bucket>/`` holds ``.bucket.json`` (the bucket's region) and,
per object, ``<quoted key>`` (the bytes) and ``<quoted key>.meta.json`` (its headers:
content type, user metadata). Only the latest version of each object is kept (no versioning, ACLs,
policies or lifecycle rules: see docs/simulator-fidelity.md).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import quote, unquote

log = logging.getLogger(__name__)
_META = ".meta.json"
_BUCKET = ".bucket.json"


def _backend(account_id: str):
    from moto.s3.models import s3_backends
    return s3_backends[account_id]["aws"]


class Mirror:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _bucket_dir(self, account_id: str, bucket: str) -> Path:
        if not bucket or "/" in bucket or bucket.startswith("."):
            raise ValueError(f"bad bucket name {bucket!r}")
        return self.root / account_id / bucket

    def sync(self, account_id: str, bucket: str, key: str | None) -> None:
        """Make the disk copy of ``bucket`` (or of one object in it) match moto's."""
        with self._lock:
            backend = _backend(account_id)
            directory = self._bucket_dir(account_id, bucket)
            found = backend.buckets.get(bucket)
            if found is None:
                shutil.rmtree(directory, ignore_errors=True)
                return
            directory.mkdir(parents=True, exist_ok=True)
            (directory / _BUCKET).write_text(json.dumps({"region": found.region_name}))
            if key:
                self._sync_key(found, directory, key)

    def _sync_key(self, bucket, directory: Path, key: str) -> None:
        path = directory / quote(key, safe="")
        obj = bucket.keys.get(key)
        if obj is None:
            path.unlink(missing_ok=True)
            Path(f"{path}{_META}").unlink(missing_ok=True)
            return
        staging = path.with_name(f".{path.name}.partial")
        with open(staging, "wb") as out:
            out.write(obj.value)
            out.flush()
            os.fsync(out.fileno())
        Path(f"{path}{_META}").write_text(json.dumps({"metadata": dict(obj._metadata)}))
        staging.replace(path)

    def restore(self) -> int:
        """Load every stored bucket and object into moto; returns the number of objects."""
        count = 0
        for account_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            backend = _backend(account_dir.name)
            for directory in sorted(p for p in account_dir.iterdir() if p.is_dir()):
                region = json.loads((directory / _BUCKET).read_text())["region"]
                backend.create_bucket(directory.name, region)
                for path in sorted(directory.iterdir()):
                    if path.name.startswith(".") or path.name.endswith(_META):
                        continue
                    meta_file = Path(f"{path}{_META}")
                    meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
                    obj = backend.put_object(directory.name, unquote(path.name),
                                             path.read_bytes())
                    if meta.get("metadata"):
                        obj.set_metadata(meta["metadata"])
                    count += 1
        return count
