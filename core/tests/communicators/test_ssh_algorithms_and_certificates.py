"""ssh_ciphers, ssh_key_exchange_algorithms and ssh_certificate_file against a real SSH server."""

from __future__ import annotations

import asyncssh
import pytest

from osc_build.communicators import connect_ssh
from osc_build.errors import BuildError, ConfigError

from .conftest import USER


def test_only_the_listed_algorithms_are_negotiated(build, server, options_for, client_pem):
    options = options_for(server, ssh_ciphers=["aes192-ctr"],
                          ssh_key_exchange_algorithms=["curve25519-sha256"])
    with connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem) as comm:
        transport = comm.connection.transport
        assert transport.local_cipher == transport.remote_cipher == "aes192-ctr"
        # the only key exchange offered, so the one the live connection used
        assert tuple(transport.preferred_kex) == ("curve25519-sha256@libssh.org",)
        assert comm.run("true") == 0


@pytest.fixture
def signed_key(tmp_path, client_key):
    """The client key with a user certificate from a CA the server trusts (not the key)."""
    ca = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_user"
    key_file.write_bytes(client_key.export_private_key())
    key_file.chmod(0o600)
    cert = ca.generate_user_certificate(client_key, "builder-cert", principals=[USER])
    cert_file = tmp_path / "id_user-cert.pub"
    cert_file.write_bytes(cert.export_certificate())
    trusted = f"cert-authority {ca.export_public_key().decode().strip()}\n"
    return key_file, cert_file, trusted


def test_certificate_logs_in_where_the_bare_key_is_refused(build, make_server, options_for,
                                                           signed_key):
    key_file, cert_file, trusted = signed_key
    server = make_server("ca-only", authorized_keys=trusted)
    options = options_for(server, ssh_private_key_file=str(key_file),
                          ssh_certificate_file=str(cert_file), ssh_handshake_attempts=1)
    with connect_ssh(build.ctx, "127.0.0.1", options) as comm:
        assert comm.run("true") == 0
    bare = options_for(server, ssh_private_key_file=str(key_file), ssh_handshake_attempts=1)
    with pytest.raises(BuildError, match=r"authentication .* failed"):
        connect_ssh(build.ctx, "127.0.0.1", bare)


def test_a_file_that_is_no_certificate_is_a_clear_error(build, server, options_for,
                                                        signed_key):
    key_file, _, _ = signed_key
    options = options_for(server, ssh_private_key_file=str(key_file),
                          ssh_certificate_file=str(key_file))
    with pytest.raises(ConfigError, match=r"ssh_certificate_file .* is not a certificate"):
        connect_ssh(build.ctx, "127.0.0.1", options)
