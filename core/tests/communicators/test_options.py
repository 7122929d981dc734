"""The communicator options: defaults, validation, and mixing into a builder's schema."""

from __future__ import annotations

import pytest
from marshmallow import fields

from osc_build.communicators import CommunicatorOptionsSchema, seconds
from osc_build.config import OptionsSchema, load_options, option
from osc_build.errors import ConfigError
from osc_build.log import redact


class BuilderOptions(CommunicatorOptionsSchema, OptionsSchema):
    vm_type = option(fields.String(load_default="tinav7.c1r1p2"), "VM type.")


def load(**data):
    return load_options(BuilderOptions, data, where="source.outscale-bsu.main")


def errors(**data) -> str:
    with pytest.raises(ConfigError) as info:
        load(**data)
    return str(info.value)


def test_defaults_follow_the_go_plugin():
    config = load(ssh_username="outscale")
    assert config.communicator == "ssh"
    assert config.ssh_timeout == "10m" and seconds(config.ssh_timeout) == 600
    assert config.ssh_port == 22 and config.ssh_handshake_attempts == 0
    assert config.ssh_keep_alive_interval == "5s"
    assert config.temporary_key_pair_type == "rsa" and config.vm_type == "tinav7.c1r1p2"


def test_ssh_username_is_required_with_ssh_only():
    assert "ssh_username: required with communicator = \"ssh\"" in errors()
    assert load(communicator="none").communicator == "none"


def test_bad_values_name_the_option():
    text = errors(ssh_username="u", ssh_timeout="ten minutes", ssh_interface="public",
                  communicator_type="ssh")
    assert 'ssh_timeout: invalid duration "ten minutes"' in text
    assert "ssh_interface: must be one of: public_ip" in text
    assert "communicator_type: unknown option (did you mean 'communicator'?)" in text
    assert "communicator: must be one of: ssh, winrm, none" in errors(communicator="rdp")


def test_keypair_name_needs_a_key_and_bastion_needs_credentials():
    assert "ssh_keypair_name: ssh_private_key_file must be provided" in errors(
        ssh_username="u", ssh_keypair_name="mine")
    assert "ssh_bastion_host: the bastion needs credentials" in errors(
        ssh_username="u", ssh_bastion_host="bastion.example")
    assert load(ssh_username="u", ssh_keypair_name="mine", ssh_agent_auth=True)


def test_missing_key_file_is_reported():
    assert "ssh_private_key_file: file '/nonexistent/key' does not exist" in errors(
        ssh_username="u", ssh_private_key_file="/nonexistent/key")


def test_passwords_are_registered_as_secrets():
    load(ssh_username="u", ssh_password="hunter2-pass", ssh_bastion_password="bastion-pass-9")
    assert redact("login hunter2-pass then bastion-pass-9") == "login <redacted> then <redacted>"


def test_deprecated_alias_moves_its_value_and_warns(caplog):
    config = load(ssh_username="u", ssh_wait_timeout="3m")
    assert config.ssh_timeout == "3m"
    assert "option 'ssh_wait_timeout' is deprecated; use 'ssh_timeout' instead" in caplog.text
    assert load(ssh_username="u", ssh_wait_timeout="3m", ssh_timeout="1m").ssh_timeout == "1m"


def test_winrm_keys_warn_with_ssh(caplog):
    load(ssh_username="u", winrm_username="Administrator", winrm_password="s3cr3t-winrm")
    assert "option 'winrm_username' has no effect: the communicator is ssh" in caplog.text
    assert redact("s3cr3t-winrm") != "s3cr3t-winrm"


@pytest.fixture
def winrm_installed(monkeypatch):
    """The winrm communicator's distribution, installed or not, whatever this environment has."""
    from osc_build.communicators import options

    def installed(yes: bool) -> None:
        monkeypatch.setattr(options, "communicator_missing", lambda name: None if yes else (
            f"communicator {name!r} is not installed; install it with: "
            "pip install osc-build-windows"))
    return installed


def test_winrm_defaults_follow_packer(winrm_installed, caplog):
    winrm_installed(True)
    config = load(communicator="winrm", winrm_username="Administrator")
    assert config.winrm_timeout == "30m" and config.winrm_port is None
    assert not (config.winrm_use_ssl or config.winrm_insecure or config.winrm_use_ntlm)
    assert "has no effect" not in caplog.text


def test_winrm_needs_a_user_and_a_way_to_the_password(winrm_installed):
    winrm_installed(True)
    assert "winrm_username: required with communicator = \"winrm\"" in errors(
        communicator="winrm")
    assert ("ssh_keypair_name: ssh_private_key_file must be provided to retrieve the winrm "
            "password") in errors(communicator="winrm", winrm_username="Administrator",
                                  ssh_keypair_name="mine")
    assert load(communicator="winrm", winrm_username="Administrator", ssh_keypair_name="mine",
                winrm_password="given-9")
    assert "temporary_key_pair_type: the Windows password is encrypted for an RSA key" in errors(
        communicator="winrm", winrm_username="Administrator", temporary_key_pair_type="ed25519")


def test_winrm_without_its_distribution_names_it(winrm_installed):
    winrm_installed(False)
    assert ("communicator: communicator 'winrm' is not installed; install it with: pip install "
            "osc-build-windows") in errors(communicator="winrm", winrm_username="Administrator")


def test_missing_communicator_message_comes_from_the_plugin_index(monkeypatch):
    from osc_build import registry
    from osc_build.communicators.options import communicator_missing

    monkeypatch.setattr(registry, "_entry_points", lambda kind: [])
    assert communicator_missing("winrm") == ("communicator 'winrm' is not installed; install "
                                             "it with: pip install osc-build-windows")


def test_internal_keys_warn_and_the_private_key_is_a_secret(caplog):
    load(ssh_username="u", ssh_private_key="-----BEGIN-----lotsofsecretkeybytes")
    assert "option 'ssh_private_key' has no effect on OUTSCALE" in caplog.text
    assert "lotsofsecretkeybytes" not in redact("x -----BEGIN-----lotsofsecretkeybytes")


def test_algorithm_lists_keep_known_names_and_refuse_all_unknown(caplog):
    config = load(ssh_username="u", ssh_ciphers=["aes128-ctr", "chacha20-poly1305@openssh.com"],
                  ssh_key_exchange_algorithms=["curve25519-sha256"])
    assert config.ssh_ciphers == ["aes128-ctr", "chacha20-poly1305@openssh.com"]
    assert "chacha20-poly1305@openssh.com not supported, ignored" in caplog.text
    text = errors(ssh_username="u", ssh_ciphers=["rot13"])
    assert "ssh_ciphers: none is supported (rot13); choose among" in text


def test_tunnels_certificate_and_proxy_rules(tmp_path):
    assert "ssh_local_tunnels[0]: '8080' is not a tunnel" in errors(ssh_username="u",
                                                                ssh_local_tunnels=["8080"])
    cert = tmp_path / "id-cert.pub"
    cert.write_text("x")
    assert "ssh_certificate_file: needs ssh_private_key_file" in errors(
        ssh_username="u", ssh_certificate_file=str(cert))
    assert "ssh_proxy_host: cannot be used with ssh_bastion_host" in errors(
        ssh_username="u", ssh_proxy_host="127.0.0.1", ssh_bastion_host="127.0.0.2",
        ssh_bastion_password="p")
