"""OOS, OUTSCALE's S3-compatible object storage, through boto3: the carrier of an OMI
between Regions (exported objects, pre-signed manifest URLs, temporary buckets)."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from osc_build.errors import BuildError
from osc_build_outscale.client import Credentials
from osc_build_outscale.secrets import register_secret

log = logging.getLogger(__name__)

# A pre-signed URL lives at most 7 days (SigV4); the import reads it within the hour.
PRESIGN_SECONDS = 24 * 3600


def default_oos_endpoint(region: str) -> str:
    """OUTSCALE's public OOS endpoint of ``region``."""
    return f"https://oos.{region}.outscale.com"


def oos_endpoint(config: dict[str, Any], region: str) -> str:
    return ((config.oos_endpoints or {}).get(region)
            or default_oos_endpoint(region)).rstrip("/")


def s3_client(endpoint: str, credentials: Credentials) -> Any:
    """A boto3 S3 client on one Region's OOS with that Region's account keys."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:  # the client part of this package does not need it
        raise BuildError("omi_regions needs boto3 to reach OOS: "
                         "pip install 'osc-build-outscale[build]'") from None
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=credentials.region,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        verify=credentials.verify_tls,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 3}, connect_timeout=10, read_timeout=60))


def split_object_url(url: str, endpoint: str) -> tuple[str, str]:
    """(bucket, key) of a path-style object URL ``{endpoint}/{bucket}/{key}``."""
    path = urlsplit(url).path
    root = urlsplit(endpoint).path.rstrip("/")
    if root and path.startswith(root):
        path = path[len(root):]
    bucket, _, key = path.lstrip("/").partition("/")
    if not bucket or not key:
        raise BuildError(f"the export's manifest URL {url!r} names no bucket and key")
    return bucket, unquote(key)


def presign(client: Any, bucket: str, key: str) -> str:
    """A GET URL anyone can read the object with for a day: its signature is a secret."""
    url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                        ExpiresIn=PRESIGN_SECONDS)
    for signature in parse_qs(urlsplit(url).query).get("X-Amz-Signature", []):
        register_secret(signature)
    return url


def delete_prefix(client: Any, bucket: str, prefix: str) -> None:
    """Delete every object whose key starts with ``prefix``."""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        keys = [{"Key": item["Key"]} for item in page.get("Contents") or []]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            log.debug("deleted %d objects under %s/%s", len(keys), bucket, prefix)


# Marks what a build put in OOS (a temporary bucket, exported objects) as its own: an
# object whose metadata carries the run's marks, written before anything else there;
# ``osc-build leftovers`` trusts nothing else (never a name alone).
MARKER = "osc-build-run.json"
# S3 metadata and tag values take letters, digits, spaces and + - = . _ : / @ only.
_UNSAFE = re.compile(r"[^A-Za-z0-9 +\-=._:/@]")


def write_marker(client: Any, bucket: str, prefix: str, marks: dict[str, str]) -> None:
    """``{prefix}osc-build-run.json``, its metadata the run's marks (``osc-build:run-id``...)."""
    metadata = {key.replace(":", "-"): _UNSAFE.sub("_", value) for key, value in marks.items()}
    client.put_object(Bucket=bucket, Key=prefix + MARKER, Body=json.dumps(marks).encode(),
                      ContentType="application/json", Metadata=metadata)


def read_marker(client: Any, bucket: str, prefix: str) -> dict[str, str] | None:
    """The marks of ``{prefix}osc-build-run.json``, or None when there is no such marker."""
    try:
        head = client.head_object(Bucket=bucket, Key=prefix + MARKER)
    except Exception as exc:
        if _status(exc) in (403, 404):
            return None
        raise
    return {key.replace("osc-build-", "osc-build:", 1): value
            for key, value in (head.get("Metadata") or {}).items()}


def delete_marker(client: Any, bucket: str, prefix: str) -> None:
    """A kept export is the user's: it loses the marker (and is never a leftover)."""
    client.delete_object(Bucket=bucket, Key=prefix + MARKER)


def bucket_exists(client: Any, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
    except Exception as exc:
        if _status(exc) in (403, 404):
            return False
        raise
    return True


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return None


def create_bucket(client: Any, bucket: str, region: str) -> None:
    client.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": region})


@contextlib.contextmanager
def failing_as(what: str) -> Iterator[None]:
    """botocore's errors (refused keys, missing bucket, unreachable OOS) as one clear line."""
    try:
        yield
    except Exception as exc:
        if not type(exc).__module__.startswith(("botocore", "boto3", "urllib3")):
            raise
        raise BuildError(f"OOS: {what} failed: {error_text(exc)}") from None


def delete_bucket(client: Any, bucket: str) -> None:
    """Empty the bucket, then delete it (a temporary bucket of this build)."""
    delete_prefix(client, bucket, "")
    client.delete_bucket(Bucket=bucket)


def error_text(exc: BaseException) -> str:
    """An OOS error in one line, without request details."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        return f"{error.get('Code') or status}: {error.get('Message') or 'no message'}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
