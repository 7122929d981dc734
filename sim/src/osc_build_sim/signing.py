"""OSC4-HMAC-SHA256 request signatures (AWS SigV4 with Outscale's names).

The server re-computes the signature from the raw request. osc-sdk-python signs
the ``host`` header without the port while sending ``Host: 127.0.0.1:PORT``,
so the verifier tries the header as sent, then without its port.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_SKEW_SECONDS = 300

_AUTH_RE = re.compile(
    r"^(?P<prefix>OSC4|AWS4)-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+)\s*,\s*Signature=(?P<sig>[0-9a-fA-F]+)\s*$"
)


class SignatureProblem(Exception):
    """Why a signature is rejected; ``kind`` is unknown-key, bad-signature, skew or malformed."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ParsedAuthorization:
    prefix: str
    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> ParsedAuthorization:
    match = _AUTH_RE.match(value.strip())
    if not match:
        raise SignatureProblem("malformed", "Authorization header is not OSC4-HMAC-SHA256")
    parts = match["cred"].split("/")
    if len(parts) != 5:
        raise SignatureProblem("malformed", "Credential must be AK/DATE/REGION/SERVICE/TERMINATOR")
    return ParsedAuthorization(
        prefix=match["prefix"], access_key=parts[0], date=parts[1], region=parts[2],
        service=parts[3], terminator=parts[4],
        signed_headers=tuple(match["headers"].lower().split(";")), signature=match["sig"].lower(),
    )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature(secret_key: str, *, prefix: str = "OSC4", date_iso: str, region: str,
              service: str = "api", terminator: str = "osc4_request", method: str = "POST",
              path: str, headers: list[tuple[str, str]], body: bytes) -> str:
    """Hex signature of one request; ``headers`` are the signed ones, in order."""
    canonical = "\n".join([
        method, path, "",
        *(f"{name}:{value.strip()}" for name, value in headers), "",
        ";".join(name for name, _ in headers),
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{date_iso[:8]}/{region}/{service}/{terminator}"
    to_sign = "\n".join([
        f"{prefix}-HMAC-SHA256", date_iso, scope, hashlib.sha256(canonical.encode()).hexdigest(),
    ])
    key = _hmac(f"{prefix}{secret_key}".encode(), date_iso[:8])
    for part in (region, service, terminator):
        key = _hmac(key, part)
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def verify(auth: ParsedAuthorization, secret_key: str, *, path: str,
           headers: dict[str, str], body: bytes, now: datetime | None = None) -> None:
    """Raise :class:`SignatureProblem` unless the request is signed with ``secret_key``."""
    date_header = "x-amz-date" if auth.prefix == "AWS4" else "x-osc-date"
    date_iso = headers.get(date_header, "")
    try:
        stamp = datetime.strptime(date_iso, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureProblem("malformed", f"missing or malformed {date_header} header") from None
    now = now or datetime.now(UTC)
    if abs((now - stamp).total_seconds()) > MAX_SKEW_SECONDS:
        raise SignatureProblem("skew", f"{date_header} is more than 5 minutes from server time")
    if auth.date != date_iso[:8]:
        raise SignatureProblem("bad-signature", "credential date does not match the request date")
    hosts = [headers.get("host", "")]
    if ":" in hosts[0] and not hosts[0].endswith("]"):
        hosts.append(hosts[0].rsplit(":", 1)[0])
    for host in hosts:
        signed = [(name, host if name == "host" else headers.get(name, ""))
                  for name in auth.signed_headers]
        expected = signature(secret_key, prefix=auth.prefix, date_iso=date_iso,
                             region=auth.region, service=auth.service,
                             terminator=auth.terminator, path=path, headers=signed, body=body)
        if hmac.compare_digest(expected, auth.signature):
            return
    raise SignatureProblem("bad-signature", "signature does not match")
