"""Private keys in every form a user or OUTSCALE hands us, and their secrecy."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from osc_build.communicators.keys import load_key_file, load_key_text
from osc_build.errors import ConfigError
from osc_build.log import redact

KEYS = {
    "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
    "ecdsa": lambda: ec.generate_private_key(ec.SECP256R1()),
}


FORMS = [(kind, form) for kind in sorted(KEYS)
         for form in ("OpenSSH", "TraditionalOpenSSL", "PKCS8")
         if (kind, form) != ("ed25519", "TraditionalOpenSSL")]  # no such form for Ed25519


@pytest.mark.parametrize(("kind", "form"), FORMS)
def test_every_usual_key_form_loads(kind, form):
    key = KEYS[kind]()
    text = key.private_bytes(serialization.Encoding.PEM, getattr(serialization.PrivateFormat,
                                                                  form),
                             serialization.NoEncryption()).decode()
    loaded = load_key_text(text, where="the key")
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    assert public.split()[1] == loaded.get_base64()
    body = text.splitlines()[1]
    assert redact(f"leaked {body}") == "leaked <redacted>"


def test_encrypted_key_is_refused_with_advice(tmp_path):
    key = KEYS["ed25519"]()
    text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                             serialization.BestAvailableEncryption(b"passphrase")).decode()
    path = tmp_path / "id"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"ssh_private_key_file '.*id' is not a usable "
                                          r"private key .* use ssh_agent_auth"):
        load_key_file(str(path), option="ssh_private_key_file")


def test_unreadable_key_file(tmp_path):
    with pytest.raises(ConfigError, match="ssh_private_key_file '/nonexistent' cannot be read"):
        load_key_file("/nonexistent", option="ssh_private_key_file")
