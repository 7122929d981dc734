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


def _codec(name: object) -> str:
    import codecs

    try:
        return codecs.lookup(to_string(name)).name
    except LookupError:
        raise ValueError(f'"{to_string(name)}" is not a supported IANA encoding name or '
                         'alias; use e.g. "UTF-16LE", "ISO-8859-1" or "windows-1252"') from None


def textencodebase64(text: object, encoding: object) -> str:
    """The text in another character encoding, as base64 (e.g. UTF-16LE for PowerShell)."""
    try:
        data = to_string(text).encode(_codec(encoding))
    except UnicodeEncodeError as exc:
        raise ValueError(f"the given string contains characters that cannot be represented "
                         f"in {to_string(encoding)}: {exc.reason}") from None
    return base64.b64encode(data).decode()


def textdecodebase64(text: object, encoding: object) -> str:
    try:
        return base64.b64decode(to_string(text), validate=True).decode(_codec(encoding))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"the given value is not base64 of {to_string(encoding)} text: "
                         f"{exc}") from None


def bcrypt_hash(text: object, *cost: object) -> str:
    """A bcrypt hash (cost 10 by default, as Packer), with a fresh salt each call."""
    import bcrypt

    rounds = int(cost[0]) if cost else 10
    if not 4 <= rounds <= 31:
        raise ValueError(f"bcrypt cost must be between 4 and 31, not {rounds}")
    return bcrypt.hashpw(to_string(text).encode(), bcrypt.gensalt(rounds, b"2a")).decode()


def rsadecrypt(ciphertext: object, private_key: object) -> str:
    """Text encrypted with RSA PKCS #1 v1.5 (as Windows administrator passwords are)."""
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(to_string(private_key).encode(), password=None)
        data = base64.b64decode(to_string(ciphertext), validate=True)
        return key.decrypt(data, padding.PKCS1v15()).decode()  # type: ignore[union-attr]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"failed to decrypt: {exc}; the second argument must be the PEM "
                         "RSA private key whose public key encrypted the first") from None


FUNCTIONS = {
    "jsonencode": jsonencode,
    "jsondecode": jsondecode,
    "yamlencode": yamlencode,
    "yamldecode": yamldecode,
    "base64encode": lambda text: base64.b64encode(to_string(text).encode()).decode(),
    "base64decode": base64decode,
    "textencodebase64": textencodebase64,
    "textdecodebase64": textdecodebase64,
    "bcrypt": bcrypt_hash,
    "rsadecrypt": rsadecrypt,
    "urlencode": lambda text: __import__("urllib.parse").parse.quote(to_string(text), safe=""),
    "md5": _digest("md5"),
    "sha1": _digest("sha1"),
    "sha256": _digest("sha256"),
    "sha512": _digest("sha512"),
    "uuidv4": uuidv4,
    "uuidv5": uuidv5,
}
