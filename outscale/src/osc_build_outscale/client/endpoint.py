"""Turn the endpoint forms users write into the full OAPI URL the SDK needs."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from osc_build_outscale.errors import OutscaleConfigError

API_PATH = "/api/v1"
_PUBLIC_DOMAINS = ("outscale.com", "outscale.hk", "outscale.cn")
_LEGACY_PATHS = ("", "/oapi/latest", "/api/latest")
_REGION_HOST = re.compile(r"^api\.(?P<region>[a-z0-9-]+)\.outscale\.(?:com|hk|cn)$")


def default_endpoint(region: str) -> str:
    """The public OAPI endpoint of ``region``."""
    return f"https://api.{region}.outscale.com{API_PATH}"


def normalise_endpoint(value: str, region: str, *, origin: str) -> str:
    """Return a full URL for ``value``.

    A scheme-less host gets ``https://``. The legacy Packer form
    ``outscale.com/oapi/latest`` (the old SDK prefixed ``api.<region>.``) and
    ``/oapi/latest`` paths on outscale.com hosts become the current
    ``https://api.<region>.outscale.com/api/v1``.
    """
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutscaleConfigError(
            f"{origin} {value!r} is not a valid endpoint URL; "
            f"use a URL such as {default_endpoint(region)}")
    host = parts.netloc
    path = parts.path.rstrip("/")
    if parts.hostname in _PUBLIC_DOMAINS:
        host = f"api.{region}.{host}"
    public = parts.hostname.endswith(tuple("." + domain for domain in _PUBLIC_DOMAINS))
    if (public or parts.hostname in _PUBLIC_DOMAINS) and path in _LEGACY_PATHS:
        path = API_PATH
    return urlunsplit((parts.scheme, host, path, "", ""))


def region_of_endpoint(url: str) -> str | None:
    """The region named by a public endpoint's host, e.g. ``api.eu-west-2.outscale.com``."""
    match = _REGION_HOST.match(urlsplit(url).hostname or "")
    return match["region"] if match else None
