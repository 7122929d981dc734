"""The communicator options, declared once: Packer's ``communicator`` and ``ssh_*`` keys.

Builders that reach their VM over SSH mix :class:`CommunicatorOptionsSchema`
into their own schema. Durations stay Go duration strings ("5m", "30s") in the
loaded options; :func:`seconds` turns them into seconds.
"""

from __future__ import annotations

import os
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from osc_build.config import OptionsSchema, option
from osc_build.durations import seconds
from osc_build.log import register_secret

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


class CommunicatorOptionsSchema(OptionsSchema):
    """How osc-build connects to the VM it builds (Packer's communicator options)."""

    communicator = option(fields.String(load_default="ssh", validate=validate.OneOf(
        ("ssh", "none"), error="must be one of: ssh, none (winrm is not supported)")),
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
        fields.String(load_default=None, validate=validate.OneOf(("scp", "sftp"))),
        "Accepted for compatibility; files always go over SFTP.")

    @validates_schema
    def _validate_communicator_options(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("communicator", "ssh") != "ssh":
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
        if data.get("ssh_bastion_host") and not any(data.get(key) for key in (
                "ssh_bastion_password", "ssh_bastion_private_key_file",
                "ssh_bastion_agent_auth", "ssh_private_key_file")):
            errors["ssh_bastion_host"] = ("the bastion needs credentials: set "
                                          "ssh_bastion_private_key_file, ssh_bastion_password "
                                          "or ssh_bastion_agent_auth")
        if errors:
            raise ValidationError(errors)

    @post_load
    def _register_communicator_secrets(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        register_secret(data.get("ssh_password"))
        register_secret(data.get("ssh_bastion_password"))
        return data
