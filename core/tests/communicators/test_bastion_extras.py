"""The bastion with a certificate, on loopback servers."""

from __future__ import annotations

from osc_build.communicators import connect_ssh

from .test_ssh_algorithms_and_certificates import signed_key  # noqa: F401  (a fixture)


def test_bastion_certificate(build, make_server, options_for, client_pem, signed_key):  # noqa: F811
    key_file, cert_file, trusted = signed_key
    bastion = make_server("bastion", authorized_keys=trusted, allow_forwarding=True)
    target = make_server("target")
    options = options_for(target, ssh_bastion_host="127.0.0.1", ssh_bastion_port=bastion.port,
                          ssh_bastion_private_key_file=str(key_file),
                          ssh_bastion_certificate_file=str(cert_file))
    with connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem) as comm:
        assert comm.run("true") == 0
    assert bastion.state.forwarded == [("127.0.0.1", target.port)]
    assert bastion.state.logins == 1
