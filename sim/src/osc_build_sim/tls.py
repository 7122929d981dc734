"""The simulator's own CA, its server certificate and client certificates (mTLS).

Generated on first start in ``DATA_DIR/tls/``; clients trust ``ca.pem`` (e.g.
``REQUESTS_CA_BUNDLE``). ``client.pem`` holds a client certificate and its key
in one file, as osc-sdk-python's ``x509_client_cert`` wants.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class TlsFiles:
    ca: Path  # CA certificate (PEM)
    server: Path  # server certificate + key
    client: Path  # a client certificate + key signed by the CA


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert(subject: str, key, issuer_name: x509.Name, issuer_key, *, ca: bool,
          usage=None, sans=None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def issue_client_cert(ca_cert_path: Path, ca_key_path: Path, out: Path, name: str) -> Path:
    """Write ``out``: a client certificate for ``name`` and its key, signed by the CA."""
    ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert(name, key, ca_cert.subject, ca_key, ca=False,
                 usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    out.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + _key_pem(key))
    out.chmod(0o600)
    return out


def issue_server_cert(directory: Path, out: Path, name: str, addresses: list[str]) -> Path:
    """Write ``out``: a server certificate for ``addresses`` and its key, signed by the CA
    of ``directory`` (made by :func:`ensure` if needed)."""
    files, _ = ensure(directory)
    ca_cert = x509.load_pem_x509_certificate(files.ca.read_bytes())
    ca_key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(),
                                                password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _cert(name, key, ca_cert.subject, ca_key, ca=False,
                 usage=ExtendedKeyUsageOID.SERVER_AUTH,
                 sans=[x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
                 + [x509.DNSName(name.lower())])
    out.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + _key_pem(key))
    out.chmod(0o600)
    return out


def ensure(directory: Path) -> tuple[TlsFiles, bool]:
    """Create the CA and certificates once; returns the files and whether they are new."""
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "client.pem")
    if files.ca.exists() and files.server.exists() and files.client.exists():
        return files, False
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "osc-build-sim local CA")])
    ca_cert = _cert("osc-build-sim local CA", ca_key, ca_name, ca_key, ca=True)
    (directory / "ca.key").write_bytes(_key_pem(ca_key))
    (directory / "ca.key").chmod(0o600)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _cert("127.0.0.1", server_key, ca_name, ca_key, ca=False,
                        usage=ExtendedKeyUsageOID.SERVER_AUTH,
                        sans=[x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                              x509.DNSName("localhost")])
    files.server.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM)
                             + _key_pem(server_key))
    files.server.chmod(0o600)
    files.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    issue_client_cert(files.ca, directory / "ca.key", files.client, "osc-build-sim client")
    return files, True
