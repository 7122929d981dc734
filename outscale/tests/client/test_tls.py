"""TLS for real: client certificate sent, verification honoured (openssl-made certs)."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from osc_build_outscale.client.api import OscClient
from osc_build_outscale.client.credentials import Credentials
from osc_build_outscale.errors import CloudError

from .conftest import ScriptedServer


def self_signed(directory: Path, name: str, san: str) -> tuple[Path, Path]:
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName={san}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[ScriptedServer, Path, Path]]:
    """An HTTPS server on 127.0.0.1 that requires a client certificate."""
    server_cert, server_key = self_signed(tmp_path, "server", "IP:127.0.0.1")
    client_cert, client_key = self_signed(tmp_path, "osc-build-client", "DNS:client")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(client_cert)
    server = ScriptedServer()
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.thread.start()
    try:
        yield server, client_cert, client_key
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_client_certificate_is_sent_and_verification_can_be_skipped(
        tls_server: tuple[ScriptedServer, Path, Path]) -> None:
    server, cert, key = tls_server
    credentials = Credentials("AK", "SK", endpoint=f"https://127.0.0.1:{server.port}/api/v1",
                              x509_cert=str(cert), x509_key=str(key), verify_tls=False)
    server.add(200, {"Vms": [], "ResponseContext": {"RequestId": "tls"}})
    assert OscClient(credentials).call("ReadVms")["Vms"] == []
    assert [seen.path for seen in server.requests] == ["/api/v1/ReadVms"]


def test_untrusted_server_certificate_is_refused_without_retry(
        tls_server: tuple[ScriptedServer, Path, Path]) -> None:
    server, cert, key = tls_server
    credentials = Credentials("AK", "SK", endpoint=f"https://127.0.0.1:{server.port}/api/v1",
                              x509_cert=str(cert), x509_key=str(key))
    sleeps: list[float] = []
    with pytest.raises(CloudError) as caught:
        OscClient(credentials, sleep=sleeps.append).call("ReadVms")
    assert "ReadVms failed: TLS error" in str(caught.value)
    assert "insecure_skip_tls_verify" in str(caught.value)
    assert sleeps == [] and server.requests == []
