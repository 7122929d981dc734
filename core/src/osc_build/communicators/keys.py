"""Private keys for paramiko, from PEM/OpenSSH text or a file; their text is a secret."""

from __future__ import annotations

import io
import os

import paramiko

from osc_build.errors import ConfigError
from osc_build.log import register_secret

_KEY_CLASSES = (paramiko.Ed25519Key, paramiko.RSAKey, paramiko.ECDSAKey)


def register_key_secret(text: str) -> None:
    """Hide a private key in all output: whole, and each line of its body."""
    register_secret(text.strip())
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= 16 and not line.startswith("-----"):
            register_secret(line)


def load_key_text(text: str, *, where: str) -> paramiko.PKey:
    """Parse an OpenSSH or PEM private key (RSA, Ed25519, ECDSA)."""
    register_key_secret(text)
    for candidate in (text, _as_openssh(text)):
        for cls in _KEY_CLASSES:
            if candidate is None:
                break
            try:
                return cls.from_private_key(io.StringIO(candidate))
            except (paramiko.SSHException, ValueError):
                continue
    raise ConfigError(f"{where} is not a usable private key (RSA, Ed25519 or ECDSA, without "
                      "passphrase); check the file, or use ssh_agent_auth for encrypted keys")


def _as_openssh(text: str) -> str | None:
    """PKCS#8 and other PEM forms paramiko cannot read, rewritten in OpenSSH form."""
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
        return key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.OpenSSH,
                                 serialization.NoEncryption()).decode()
    except (ValueError, TypeError):
        return None


def load_key_file(path: str, *, option: str) -> paramiko.PKey:
    """Read and parse the private key file that ``option`` names."""
    full = os.path.expanduser(path)
    try:
        with open(full, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{option} {path!r} cannot be read: {err}") from None
    return load_key_text(text, where=f"{option} {path!r}")


def attach_certificate(pkey: paramiko.PKey, path: str, *, option: str) -> paramiko.PKey:
    """Log in with an OpenSSH certificate: paramiko sends it in place of the bare public key."""
    try:
        pkey.load_certificate(os.path.expanduser(path))
    except (OSError, ValueError, paramiko.SSHException) as err:
        raise ConfigError(f"{option} {path!r} is not a certificate for the private key: {err}; "
                          "give the -cert.pub file ssh-keygen -s signed for that key") from None
    return pkey
