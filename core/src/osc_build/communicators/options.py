"""The communicator options, declared once: Packer's ``communicator`` and ``ssh_*`` keys.

Builders that reach their VM over SSH mix :class:`CommunicatorOptionsSchema`
into their own schema. Durations stay Go duration strings ("5m", "30s") in the
loaded options; :func:`seconds` turns them into seconds.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validate

from osc_build.config import (
    OptionsSchema,
    alias,
    cross_check,
    no_effect,
    option,
    warn_once,
)
from osc_build.durations import seconds
from osc_build.log import register_secret

log = logging.getLogger(__name__)

SSH_INTERFACES = ("public_ip", "private_ip", "public_dns", "private_dns")
DEFAULT_SSH_TIMEOUT = "10m"  # the Go plugin's default (its PR #222), not the SDK's 5m


class Duration(fields.String):
    """A Go duration string such as ``"5m"`` or ``"1m30s"``, checked at load time."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("type", "duration")
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            seconds(text)
        except ValueError as err:
            raise ValidationError(str(err)) from None
        return text


def _existing_file(path: str) -> None:
    if not os.path.isfile(os.path.expanduser(path)):
        raise ValidationError(f"file {path!r} does not exist; give the path of a private key "
                              "file readable by osc-build")


def _tunnel(spec: str) -> None:
    parts = spec.split(":")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[2].isdigit()) or not parts[1]:
        raise ValidationError(f"{spec!r} is not a tunnel; write it \"PORT:HOST:PORT\", "
                              "e.g. \"8080:localhost:80\"")


def _winrm(field: fields.Field) -> fields.Field:
    field.metadata["compat"] = "accepted; warns that it has no effect: WinRM is not supported yet"
    return option(field, "WinRM communicator option; accepted, WinRM is not supported yet.")


class CommunicatorOptionsSchema(OptionsSchema):
    """How osc-build connects to the VM it builds (Packer's communicator options)."""

    communicator = option(fields.String(load_default="ssh", validate=validate.OneOf(
        ("ssh", "none"), error="WinRM is not supported yet; use ssh (or none)")),
        "How provisioners reach the VM: ssh, or none (no shell or file provisioners).")
    ssh_host = option(fields.String(load_default=None),
                      "Host to connect to, instead of the one ssh_interface selects.")
    ssh_port = option(fields.Integer(load_default=22, validate=validate.Range(1, 65535)),
                      "TCP port of the VM's SSH server.")
    ssh_username = option(fields.String(load_default=None),
                          "User to log in as on the VM (required with communicator ssh).")
    ssh_password = option(fields.String(load_default=None),
                          "Password for ssh_username; never printed.", secret=True)
    ssh_private_key_file = option(fields.String(load_default=None, validate=_existing_file),
                                  "Private key file to log in with, instead of a temporary key.")
    ssh_keypair_name = option(fields.String(load_default=None),
                              "Existing keypair to launch the VM with; needs "
                              "ssh_private_key_file or ssh_agent_auth.")
    ssh_agent_auth = option(fields.Boolean(load_default=False),
                            "Authenticate with the keys of the SSH agent (SSH_AUTH_SOCK).")
    ssh_pty = option(fields.Boolean(load_default=False),
                     "Request a pseudo-terminal for remote commands (needed by some sudo setups).")
    ssh_timeout = option(Duration(load_default=DEFAULT_SSH_TIMEOUT),
                         "How long to wait for SSH to become available.")
    ssh_wait_timeout = alias(Duration(load_default=None), "ssh_timeout")
    ssh_handshake_attempts = option(
        fields.Integer(load_default=0, validate=validate.Range(min=0)),
        "Authentication failures tolerated while waiting for SSH; 0 means unlimited.")
    pause_before_connecting = option(Duration(load_default="0s"),
                                     "Once SSH answers, wait this long and connect again "
                                     "(lets cloud-init finish).")
    ssh_clear_authorized_keys = option(fields.Boolean(load_default=False),
                                       "Remove the temporary public key from authorized_keys "
                                       "before the image is made.")
    ssh_interface = option(fields.String(load_default=None,
                                         validate=validate.OneOf(SSH_INTERFACES)),
                           "Which address of the VM to connect to: " + ", ".join(SSH_INTERFACES)
                           + ".")
    temporary_key_pair_type = option(
        fields.String(load_default="rsa", validate=validate.OneOf(("rsa", "ed25519"))),
        "Type of the temporary keypair: rsa or ed25519.")
    temporary_key_pair_bits = option(
        fields.Integer(load_default=4096, validate=validate.Range(2048, 16384)),
        "Size in bits of a temporary RSA key.")
    ssh_bastion_host = option(fields.String(load_default=None),
                              "Bastion host to reach the VM through.")
    ssh_bastion_port = option(fields.Integer(load_default=22, validate=validate.Range(1, 65535)),
                              "SSH port of the bastion host.")
    ssh_bastion_username = option(fields.String(load_default=None),
                                  "User on the bastion host (default: ssh_username).")
    ssh_bastion_private_key_file = option(
        fields.String(load_default=None, validate=_existing_file),
        "Private key file for the bastion host (default: ssh_private_key_file).")
    ssh_bastion_agent_auth = option(fields.Boolean(load_default=False),
                                    "Authenticate on the bastion host with the SSH agent.")
    ssh_bastion_password = option(fields.String(load_default=None),
                                  "Password on the bastion host; never printed.", secret=True)
    ssh_keep_alive_interval = option(Duration(load_default="5s"),
                                     "Interval of SSH keep-alive messages; 0 or negative "
                                     "disables them.")
    ssh_read_write_timeout = option(Duration(load_default="0s"),
                                    "A remote command silent for this long is treated as a "
                                    "disconnection; 0 disables it.")
    ssh_file_transfer_method = option(
        fields.String(load_default="scp", validate=validate.OneOf(("scp", "sftp"))),
        "How files are copied: scp (needs the scp program on the VM, as Packer's default) "
        "or sftp (needs the SSH server's SFTP subsystem).")
    temporary_key_pair_name = option(fields.String(load_default=None),
                                     "Name of the temporary keypair (default: a unique "
                                     "packer_... name).")
    ssh_certificate_file = option(fields.String(load_default=None, validate=_existing_file),
                                  "OpenSSH certificate signed for ssh_private_key_file.")
    ssh_ciphers = option(fields.List(fields.String(), load_default=None),
                         "Ciphers allowed, in order of preference (default: paramiko's).")
    ssh_key_exchange_algorithms = option(
        fields.List(fields.String(), load_default=None),
        "Key exchange algorithms allowed, in order of preference (default: paramiko's).")
    ssh_disable_agent_forwarding = option(
        fields.Boolean(load_default=False),
        "Do not forward the local SSH agent (SSH_AUTH_SOCK) to the VM's remote commands; "
        "by default it is forwarded, as in Packer.")
    ssh_proxy_host = option(fields.String(load_default=None),
                            "SOCKS5 proxy to reach the VM through.")
    ssh_proxy_port = option(fields.Integer(load_default=1080, validate=validate.Range(1, 65535)),
                            "Port of the SOCKS5 proxy.")
    ssh_proxy_username = option(fields.String(load_default=None),
                                "User name on the SOCKS5 proxy.")
    ssh_proxy_password = option(fields.String(load_default=None),
                                "Password on the SOCKS5 proxy; never printed.")
    ssh_local_tunnels = option(fields.List(fields.String(validate=_tunnel), load_default=None),
                               "Tunnels \"PORT:HOST:PORT\": localhost:PORT here reaches "
                               "HOST:PORT from the VM.")
    ssh_remote_tunnels = option(fields.List(fields.String(validate=_tunnel), load_default=None),
                                "Tunnels \"PORT:HOST:PORT\": localhost:PORT on the VM reaches "
                                "HOST:PORT from here.")
    ssh_bastion_interactive = option(
        fields.Boolean(load_default=False),
        "Answer the bastion's keyboard-interactive questions (a one-time code...) on the "
        "terminal, after any key or password given; needs a terminal.")
    ssh_bastion_certificate_file = option(
        fields.String(load_default=None, validate=_existing_file),
        "OpenSSH certificate signed for the bastion's private key.")
    ssh_public_key = no_effect(fields.String(load_default=None),
                               "Packer fills it in itself from the temporary key")
    ssh_private_key = no_effect(fields.String(load_default=None),
                                "Packer fills it in itself from the temporary key; use "
                                "ssh_private_key_file")
    winrm_username = _winrm(fields.String(load_default=None))
    winrm_password = _winrm(fields.String(load_default=None))
    winrm_host = _winrm(fields.String(load_default=None))
    winrm_no_proxy = _winrm(fields.Boolean(load_default=None))
    winrm_port = _winrm(fields.Integer(load_default=None))
    winrm_timeout = _winrm(Duration(load_default=None))
    winrm_use_ssl = _winrm(fields.Boolean(load_default=None))
    winrm_insecure = _winrm(fields.Boolean(load_default=None))
    winrm_use_ntlm = _winrm(fields.Boolean(load_default=None))

    @pre_load
    def _winrm_first(self, data: Any, **_: Any) -> Any:
        """WinRM is refused before anything else; its keys alone only warn."""
        if not isinstance(data, dict):
            return data
        if data.get("communicator") == "winrm":
            raise ValidationError({"communicator": "the WinRM communicator is not supported "
                                   "yet; use "
                                   "communicator = \"ssh\" (or \"none\")"})
        for key in sorted(k for k in data if str(k).startswith("winrm_")):
            warn_once(f"option {key!r} has no effect: the communicator is "
                      f"{data.get('communicator', 'ssh')}, not winrm")
        return data

    @cross_check
    def _check_ssh_login(self, data: Mapping[str, Any], **_: Any) -> None:
        if not _uses_ssh(data):
            return
        errors: dict[str, str] = {}
        if not data.get("ssh_username"):
            errors["ssh_username"] = ("required with communicator = \"ssh\"; the image's "
                                      "default user is usually \"outscale\"")
        if data.get("ssh_keypair_name") and not (data.get("ssh_private_key_file")
                                                 or data.get("ssh_agent_auth")):
            errors["ssh_keypair_name"] = ("ssh_private_key_file must be provided or "
                                          "ssh_agent_auth enabled when ssh_keypair_name is "
                                          "specified")
        if data.get("ssh_certificate_file") and not data.get("ssh_private_key_file"):
            errors["ssh_certificate_file"] = ("needs ssh_private_key_file: set the private key "
                                              "the certificate was signed for")
        if errors:
            raise ValidationError(errors)

    @cross_check
    def _check_ssh_route(self, data: Mapping[str, Any], **_: Any) -> None:
        if not _uses_ssh(data):
            return
        errors: dict[str, str] = {}
        if data.get("ssh_bastion_host") and not any(data.get(key) for key in (
                "ssh_bastion_password", "ssh_bastion_private_key_file",
                "ssh_bastion_agent_auth", "ssh_private_key_file", "ssh_bastion_interactive")):
            errors["ssh_bastion_host"] = ("the bastion needs credentials: set "
                                          "ssh_bastion_private_key_file, ssh_bastion_password, "
                                          "ssh_bastion_agent_auth or ssh_bastion_interactive")
        if data.get("ssh_proxy_host") and data.get("ssh_bastion_host"):
            errors["ssh_proxy_host"] = ("cannot be used with ssh_bastion_host; choose the SOCKS "
                                        "proxy or the bastion")
        if errors:
            raise ValidationError(errors)

    @cross_check
    def _check_ssh_algorithms(self, data: Mapping[str, Any], **_: Any) -> None:
        if not _uses_ssh(data):
            return
        errors = _algorithm_errors(data)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _register_communicator_secrets(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        register_secret(data.get("ssh_password"))
        register_secret(data.get("ssh_bastion_password"))
        register_secret(data.get("ssh_proxy_password"))
        register_secret(data.get("ssh_private_key"))
        register_secret(data.get("winrm_password"))
        return data


def _uses_ssh(data: Mapping[str, Any]) -> bool:
    return data.get("communicator", "ssh") == "ssh"


def _algorithm_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """Names paramiko lacks are dropped with a warning; a list with none it knows is an error."""
    errors: dict[str, str] = {}
    if not any(data.get(key) for key in ("ssh_ciphers", "ssh_key_exchange_algorithms")):
        return errors  # no paramiko import (180 ms) for what nobody asked
    for key, known in supported_algorithms().items():
        names = data.get(key)
        if not names:
            continue
        usable = [ALGORITHM_ALIASES.get(name, name) for name in names]
        unknown = [name for name, real in zip(names, usable, strict=True) if real not in known]
        if len(unknown) == len(names):
            errors[key] = (f"none is supported ({', '.join(unknown)}); choose among "
                           f"{', '.join(known)}")
        elif unknown:
            warn_once(f"option {key!r}: {', '.join(unknown)} not supported, ignored")
    return errors


ALGORITHM_ALIASES = {"curve25519-sha256": "curve25519-sha256@libssh.org"}  # RFC 8731's name


def supported_algorithms() -> dict[str, tuple[str, ...]]:
    """What paramiko can negotiate, per option."""
    import paramiko

    return {"ssh_ciphers": tuple(paramiko.Transport._preferred_ciphers),
            "ssh_key_exchange_algorithms": tuple(paramiko.Transport._preferred_kex)}
