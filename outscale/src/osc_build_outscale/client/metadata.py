"""Temporary role credentials from the VM metadata service (EC2-compatible).

Only used when no other source gives credentials, so a failure to reach the
service is reported as "not available" rather than as an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from osc_build_outscale.errors import CredentialsError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

CREDENTIALS_PATH = "iam/security-credentials"
ZONE_PATH = "placement/availability-zone"
# The service answers in milliseconds on a VM; anywhere else we must not hang.
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0


class MetadataUnavailable(Exception):
    """The metadata service cannot be reached: we are not on an OUTSCALE VM."""


@dataclass(frozen=True)
class RoleCredentials:
    """Credentials of a role, as the metadata service gives them."""

    role: str
    access_key: str
    secret_key: str = field(repr=False)
    token: str = field(repr=False, default="")
    expiration: str = ""
    region: str | None = None


def _get(session: requests.Session, url: str) -> requests.Response:
    import requests

    try:
        return session.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
    except requests.RequestException as exc:
        raise MetadataUnavailable(f"{url}: {exc.__class__.__name__}") from exc


def fetch_role_credentials(base_url: str, role_name: str | None = None) -> RoleCredentials:
    """Read the credentials of ``role_name`` (default: the VM's first role)."""
    import requests  # here: only builds on a VM without other credentials need it

    base = base_url.rstrip("/")
    with requests.Session() as session:
        session.trust_env = False  # never send link-local requests through a proxy
        listing_url = f"{base}/{CREDENTIALS_PATH}/"
        if role_name is None:
            listing = _get(session, listing_url)
            if listing.status_code == 404:
                raise MetadataUnavailable(f"{listing_url}: this VM has no role")
            if not listing.ok:
                raise MetadataUnavailable(f"{listing_url}: HTTP {listing.status_code}")
            roles = [line.strip() for line in listing.text.splitlines() if line.strip()]
            if not roles:
                raise MetadataUnavailable(f"{listing_url}: this VM has no role")
            role_name = roles[0]
        url = f"{base}/{CREDENTIALS_PATH}/{role_name}"
        answer = _get(session, url)
        if answer.status_code == 404:
            raise CredentialsError(
                f"role {role_name!r} not found by the metadata service at {base}; "
                "fix role_name or attach the role to this VM")
        if not answer.ok:
            raise CredentialsError(
                f"metadata service at {base} answered HTTP {answer.status_code} for role "
                f"{role_name!r}; retry, or give access_key and secret_key")
        credentials = _parse(answer, role_name, base)
        zone = _get(session, f"{base}/{ZONE_PATH}")
        region = zone.text.strip()[:-1] if zone.ok and zone.text.strip() else None
    return RoleCredentials(role=role_name, access_key=credentials["AccessKeyId"],
                           secret_key=credentials["SecretAccessKey"],
                           token=credentials.get("Token", ""),
                           expiration=credentials.get("Expiration", ""), region=region)


def _parse(answer: requests.Response, role_name: str, base: str) -> dict[str, str]:
    try:
        document = answer.json()
    except ValueError:
        document = None
    if not isinstance(document, dict) or not document.get("AccessKeyId") \
            or not document.get("SecretAccessKey"):
        raise CredentialsError(
            f"metadata service at {base} gave no usable credentials for role {role_name!r}; "
            "give access_key and secret_key instead")
    if document.get("Code", "Success") != "Success":
        raise CredentialsError(
            f"metadata service at {base} refused credentials for role {role_name!r} "
            f"(code {document['Code']!r}); check the role, or give access_key and secret_key")
    return document
