"""Checks of the key and certificate files options name: readable, and of the right kind.

The messages say which file, what is wrong with it and how to fix it; they never
quote the file's contents (a private key must not reach a terminal or a CI log).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

HEAD_BYTES = 64 * 1024  # a key or certificate is a few KiB; a bigger file is not one
PRIVATE_KEY_MARK = "PRIVATE KEY-----"
CERTIFICATE_MARK = "-----BEGIN CERTIFICATE-----"


class FileProblem(ValueError):
    """What is wrong with one file, as a sentence ending with the fix."""


def _read_head(path: str, what: str) -> str:
    expanded = os.path.expanduser(path)
    if not os.path.exists(expanded):
        raise FileProblem(f"{what} {path!r} does not exist; give the path of an existing file")
    if not os.path.isfile(expanded):
        raise FileProblem(f"{what} {path!r} is not a regular file; give the path of the "
                          "file itself")
    try:
        with open(expanded, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as err:
        raise FileProblem(f"{what} {path!r} cannot be read ({err.strerror}); give osc-build "
                          "read access to it (e.g. chmod 600 as its owner)") from None
    return head.decode("utf-8", errors="replace")


def check_private_key_file(path: str, what: str = "private key file") -> None:
    """An SSH private key: OpenSSH, PEM (RSA, EC, DSA) or PKCS#8, not a public key."""
    text = _read_head(path, what)
    if PRIVATE_KEY_MARK in text and "-----BEGIN" in text:
        return
    stripped = text.lstrip()
    if stripped.startswith("PuTTY-User-Key-File"):
        fix = "convert it with: puttygen KEY.ppk -O private-openssh -o KEY"
        cause = "is a PuTTY key"
    elif stripped.startswith(("ssh-", "ecdsa-", "sk-")) or "PUBLIC KEY-----" in text:
        fix = "give the private key (usually the same path without .pub)"
        cause = "holds a public key"
    elif not text.strip():
        fix = "give the path of the private key, e.g. ~/.ssh/id_ed25519"
        cause = "is empty"
    else:
        fix = "give the path of an OpenSSH or PEM private key, e.g. ~/.ssh/id_ed25519"
        cause = "is not a private key (no BEGIN ... PRIVATE KEY line)"
    raise FileProblem(f"{what} {path!r} {cause}; {fix}")


def check_certificate_file(path: str, what: str = "certificate file") -> None:
    """A PEM client certificate (BEGIN CERTIFICATE)."""
    text = _read_head(path, what)
    if CERTIFICATE_MARK in text:
        return
    cause = ("holds a private key, not a certificate" if PRIVATE_KEY_MARK in text
             else "is not a PEM certificate (no BEGIN CERTIFICATE line)")
    raise FileProblem(f"{what} {path!r} {cause}; give the client certificate in PEM form (a "
                      "DER file converts with: openssl x509 -inform der -in CERT -out "
                      "CERT.pem)")


def check_pem_key_file(path: str, what: str = "key file") -> None:
    """A PEM private key (BEGIN ... PRIVATE KEY)."""
    text = _read_head(path, what)
    if "-----BEGIN" in text and PRIVATE_KEY_MARK in text:
        return
    cause = ("holds a certificate, not a private key" if CERTIFICATE_MARK in text
             else "is not a PEM private key (no BEGIN ... PRIVATE KEY line)")
    raise FileProblem(f"{what} {path!r} {cause}; give the client certificate's private key "
                      "in PEM form")


def check_key_matches_certificate(cert: str, key: str, what: str = "file") -> None:
    """The key is the certificate's, unencrypted: what the TLS client will need."""
    import ssl  # only when x509 files are given: not on every validate

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_cert_chain(os.path.expanduser(cert), os.path.expanduser(key),
                                password=lambda: b"")
    except (ssl.SSLError, OSError) as err:
        reason = getattr(err, "reason", None) or "unusable"
        raise FileProblem(f"{what} {key!r} is not the key of certificate {cert!r} "
                          f"({str(reason).lower().replace('_', ' ')}); give the certificate's "
                          "own key, unencrypted (openssl pkey -in KEY -out KEY.pem)") from None


def x509_problems(data: Mapping[str, Any]) -> dict[str, str]:
    """Errors of x509_cert_path and x509_key_path, by option name."""
    cert, key = data.get("x509_cert_path"), data.get("x509_key_path")
    errors: dict[str, str] = {}
    if key and not cert:
        return errors  # the access options say that the certificate is missing
    for option, path, check in (("x509_cert_path", cert, check_certificate_file),
                                ("x509_key_path", key, check_pem_key_file)):
        if path:
            try:
                check(path, what="file")
            except FileProblem as problem:
                errors[option] = str(problem)
    if cert and key and not errors:
        try:
            check_key_matches_certificate(cert, key)
        except FileProblem as problem:
            errors["x509_key_path"] = str(problem)
    return errors


def ssh_key_problems(data: Mapping[str, Any]) -> dict[str, str]:
    """Errors of ssh_private_key_file and ssh_bastion_private_key_file, by option name."""
    errors: dict[str, str] = {}
    for option in ("ssh_private_key_file", "ssh_bastion_private_key_file"):
        if data.get(option):
            try:
                check_private_key_file(data[option], what="file")
            except FileProblem as problem:
                errors[option] = str(problem)
    return errors
