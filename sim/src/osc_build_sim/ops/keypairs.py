"""Keypairs: generated (2048-bit RSA, private key returned once) or imported."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .. import filters
from ..engine import new_id
from ..errors import ApiError, conflict, invalid, missing_set
from ..store import public
from . import Ctx, operation
from .common import base_doc, owned

_TYPES = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
          "ecdsa-sha2-nistp521")


def _fingerprint(openssh_line: str) -> str:
    blob = base64.b64decode(openssh_line.split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def _generate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public_line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                serialization.PublicFormat.OpenSSH).decode()
    return private, public_line


def _imported(encoded: str) -> str:
    try:
        line = base64.b64decode(encoded, validate=True).decode().strip()
        parts = line.split()
        if len(parts) < 2 or parts[0] not in _TYPES:
            raise ValueError
        base64.b64decode(parts[1], validate=True)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid("PublicKey must be a Base64-encoded OpenSSH public key "
                      "(e.g. base64 of the content of id_ed25519.pub).") from None
    return line


@operation("CreateKeypair")
def create_keypair(ctx: Ctx, body: dict) -> dict:
    name = body["KeypairName"]
    if not 1 <= len(name) <= 255 or not name.isprintable() or not name.isascii():
        raise invalid("KeypairName must be 1-255 printable ASCII characters.")
    private = None
    if body.get("PublicKey"):
        public_line = _imported(body["PublicKey"])
    else:
        private, public_line = _generate()
    with ctx.sim.store.write() as tx:
        if any(k["KeypairName"] == name for k in owned(ctx, tx, "keypair")):
            raise conflict(9011, f"A keypair named {name!r} already exists.")
        ident = new_id("key")
        doc = {**base_doc(ctx, "keypair", ident), "_public_key": public_line,
               "KeypairName": name, "KeypairId": ident,
               "KeypairFingerprint": _fingerprint(public_line),
               "KeypairType": public_line.split()[0], "Tags": []}
        tx.put(doc)
    created = public(doc)
    if private:
        created["PrivateKey"] = private
    return {"Keypair": created}


@operation("ReadKeypairs")
def read_keypairs(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "keypair")
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(),
        "KeypairNames": filters.field("KeypairName"), "KeypairIds": filters.field("KeypairId"),
        "KeypairFingerprints": filters.field("KeypairFingerprint"),
        "KeypairTypes": filters.field("KeypairType"),
    })
    return filters.paginate([public(d) for d in items], body, "Keypairs")


@operation("DeleteKeypair")
def delete_keypair(ctx: Ctx, body: dict) -> dict:
    wanted = body.get("KeypairId") or body.get("KeypairName")
    if not wanted:
        raise missing_set("DeleteKeypair needs KeypairName or KeypairId.")
    with ctx.sim.store.write() as tx:
        match = [k for k in owned(ctx, tx, "keypair")
                 if wanted in (k["KeypairId"], k["KeypairName"])]
        if not match:
            raise ApiError(400, 5071, f"The keypair '{wanted}' does not exist.")
        tx.delete(match[0]["_id"])
    return {}
