"""Encoding and hashing functions: JSON, YAML, base64, sha/md5, UUIDs."""

from __future__ import annotations

import base64
import json

from ..values import to_string


def jsonencode(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def jsondecode(text: object) -> object:
    try:
        return json.loads(to_string(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None


def yamlencode(value: object) -> str:
    import yaml
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True,
                          allow_unicode=True)


def yamldecode(text: object) -> object:
    import yaml
    try:
        return yaml.safe_load(to_string(text))
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {exc}") from None


def base64decode(text: object) -> str:
    try:
        return base64.b64decode(to_string(text), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the given value is not a valid base64-encoded UTF-8 string") \
            from None


def _digest(name: str):
    def digest(text) -> str:
        import hashlib  # here, not at the top: it loads OpenSSL, and few templates hash

        return hashlib.new(name, to_string(text).encode()).hexdigest()

    return digest


def uuidv4() -> str:
    import uuid  # here, not at the top: few templates call it and its import is slow

    return str(uuid.uuid4())


def uuidv5(namespace: str, name: object) -> str:
    import uuid

    known = {"dns": uuid.NAMESPACE_DNS, "url": uuid.NAMESPACE_URL, "oid": uuid.NAMESPACE_OID,
             "x500": uuid.NAMESPACE_X500}
    return str(uuid.uuid5(known.get(namespace) or uuid.UUID(namespace), to_string(name)))


FUNCTIONS = {
    "jsonencode": jsonencode,
    "jsondecode": jsondecode,
    "yamlencode": yamlencode,
    "yamldecode": yamldecode,
    "base64encode": lambda text: base64.b64encode(to_string(text).encode()).decode(),
    "base64decode": base64decode,
    "urlencode": lambda text: __import__("urllib.parse").parse.quote(to_string(text), safe=""),
    "md5": _digest("md5"),
    "sha1": _digest("sha1"),
    "sha256": _digest("sha256"),
    "sha512": _digest("sha512"),
    "uuidv4": uuidv4,
    "uuidv5": uuidv5,
}
