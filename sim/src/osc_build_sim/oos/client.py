"""boto3 clients for a Region's OOS, as the simulator itself uses them (exports)."""

from __future__ import annotations

from urllib.parse import quote

# Pre-signed URLs (SigV4) live at most 7 days; OUTSCALE's manifests say the same.
PRESIGN_SECONDS = 7 * 24 * 3600


def s3_client(endpoint: str, region: str, access_key: str, secret_key: str):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name=region,
                        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                        config=Config(signature_version="s3v4", retries={"max_attempts": 2},
                                      s3={"addressing_style": "path"}, connect_timeout=10,
                                      read_timeout=120))


def object_url(endpoint: str, bucket: str, key: str) -> str:
    """The plain (not pre-signed) path-style URL of an object."""
    return f"{endpoint}/{bucket}/{quote(key)}"
