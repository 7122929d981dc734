"""Key and certificate files: which file, why it is wrong, the fix, never its contents."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from osc_build.communicators.options import CommunicatorOptionsSchema
from osc_build.config import load_options
from osc_build.errors import ConfigError
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import OmiOptionsSchema, RunOptionsSchema
from osc_build_outscale.validate_files import FileProblem, check_private_key_file

SECRET_MARK = "MC4CAQAwBQYDK2VwBCIEI"  # the start of every PKCS#8 ed25519 key body


class BuilderSchema(AccessOptionsSchema, RunOptionsSchema, CommunicatorOptionsSchema,
                    OmiOptionsSchema):
    pass


BASE = {"vm_type": "tinav7.c1r1p1", "source_omi": "ami-12345678", "ssh_username": "outscale",
        "omi_name": "files-test"}


def load(**options):
    return load_options(BuilderSchema, {**BASE, **options}, where="source.outscale-bsu.x")


def error_of(**options) -> str:
    with pytest.raises(ConfigError) as info:
        load(**options)
    return str(info.value)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _certificate(key) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "osc-build test")])
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))


@pytest.fixture
def client_pair(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    cert_path, key_path = tmp_path / "client.crt", tmp_path / "client.key"
    cert_path.write_bytes(_certificate(key).public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_key_pem(key))
    return str(cert_path), str(key_path)


def test_a_matching_pem_pair_is_accepted(client_pair):
    cert, key = client_pair
    assert load(x509_cert_path=cert, x509_key_path=key).x509_cert_path == cert


def test_a_der_certificate_is_refused_with_the_conversion(tmp_path, client_pair):
    cert, key = client_pair
    der = tmp_path / "client.der"
    der.write_bytes(x509.load_pem_x509_certificate(Path(cert).read_bytes())
                    .public_bytes(serialization.Encoding.DER))
    message = error_of(x509_cert_path=str(der), x509_key_path=key)
    assert f"x509_cert_path: file '{der}' is not a PEM certificate" in message
    assert "openssl x509 -inform der" in message


def test_swapped_files_are_named(client_pair):
    cert, key = client_pair
    message = error_of(x509_cert_path=key, x509_key_path=cert)
    assert f"x509_cert_path: file '{key}' holds a private key, not a certificate" in message
    assert SECRET_MARK not in message and "BEGIN" not in message


def test_a_key_of_another_certificate_is_refused(tmp_path, client_pair):
    cert, _ = client_pair
    other = tmp_path / "other.key"
    other.write_bytes(_key_pem(ec.generate_private_key(ec.SECP256R1())))
    message = error_of(x509_cert_path=cert, x509_key_path=str(other))
    assert f"x509_key_path: file '{other}' is not the key of certificate '{cert}' (key " \
           "values mismatch)" in message
    assert "give the certificate's own key" in message


def test_a_missing_certificate_file_is_named(tmp_path, client_pair):
    _, key = client_pair
    message = error_of(x509_cert_path=str(tmp_path / "none.crt"), x509_key_path=key)
    assert f"x509_cert_path: file '{tmp_path / 'none.crt'}' does not exist" in message


@pytest.fixture
def ssh_keys(tmp_path):
    key = ed25519.Ed25519PrivateKey.generate()
    private, public = tmp_path / "id_ed25519", tmp_path / "id_ed25519.pub"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.OpenSSH,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                     serialization.PublicFormat.OpenSSH))
    return private, public


def test_an_openssh_private_key_is_accepted(ssh_keys):
    private, _ = ssh_keys
    assert load(ssh_private_key_file=str(private)).ssh_private_key_file == str(private)


def test_a_public_key_given_as_private_key_is_refused(ssh_keys):
    _, public = ssh_keys
    message = error_of(ssh_private_key_file=str(public))
    assert f"ssh_private_key_file: file '{public}' holds a public key; give the private key " \
           "(usually the same path without .pub)" in message
    assert "ssh-ed25519" not in message


@pytest.mark.parametrize(("text", "cause"), [
    ("", "is empty"),
    ("PuTTY-User-Key-File-3: ssh-ed25519\n", "is a PuTTY key; convert it with: puttygen"),
    ("password=hunter2\n", "is not a private key (no BEGIN ... PRIVATE KEY line)"),
])
def test_other_files_are_refused_without_showing_them(tmp_path, text, cause):
    path = tmp_path / "key"
    path.write_text(text)
    message = error_of(ssh_bastion_host="bastion", ssh_bastion_private_key_file=str(path))
    assert f"ssh_bastion_private_key_file: file '{path}' {cause}" in message
    assert "hunter2" not in message


def test_an_unreadable_key_says_how_to_fix_it(tmp_path, monkeypatch):
    path = tmp_path / "key"
    path.write_text("x")

    def denied(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", denied)
    with pytest.raises(FileProblem, match=r"cannot be read \(Permission denied\); give "
                                          r"osc-build read access to it"):
        check_private_key_file(str(path))
