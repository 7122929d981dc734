"""The options of ``ansible`` and ``ansible-local``, declared once (Packer's names).

Paths are relative to the directory osc-build runs in, as in Packer. ``max_retries``,
``timeout`` and ``pause_before`` are the meta-arguments every provisioner takes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, post_load, validates

from osc_build.config import OptionsSchema, cross_check, option
from osc_build.log import register_secret

_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL", re.IGNORECASE)
DEFAULT_SFTP_COMMAND = "/usr/lib/sftp-server -e"


def _strings(description: str, default: Any = list) -> fields.Field:
    return option(fields.List(fields.String(), load_default=default), description)


def _existing(kind: str, path: str | None, *, directory_ok: bool = False) -> None:
    if not path:
        return
    if os.path.isfile(path) or (directory_ok and os.path.isdir(path)):
        return
    raise ValidationError(f"{kind} {path!r} does not exist (paths are relative to the "
                          "directory osc-build runs in)")


class CommonAnsibleOptionsSchema(OptionsSchema):
    """What both provisioners take: the playbook, its arguments and Galaxy."""

    playbook_file = option(fields.String(load_default=None),
                           "The playbook to run (or playbook_files).")
    command = option(fields.String(load_default=None),
                     "Command that runs playbooks (default: ansible-playbook; for "
                     "ansible, the one installed next to osc-build first).")
    extra_arguments = _strings("More arguments to ansible-playbook, e.g. [\"-vvv\", "
                               "\"--tags\", \"web\"].")
    galaxy_file = option(fields.String(load_default=None),
                         "A requirements file (roles and/or collections) installed with "
                         "ansible-galaxy before the play.")
    galaxy_command = option(fields.String(load_default="ansible-galaxy"),
                            "Command that installs galaxy_file.")
    galaxy_force_install = option(fields.Boolean(load_default=False),
                                  "Reinstall roles and collections already installed "
                                  "(--force).")

    @validates("galaxy_file")
    def _galaxy_file_exists(self, value: str | None, **_: Any) -> None:
        _existing("galaxy_file", value)


class AnsibleOptionsSchema(CommonAnsibleOptionsSchema):
    """``ansible``: ansible-playbook on the build host, over SSH to the VM."""

    playbook_file = option(
        fields.String(required=True, error_messages={
            "required": "playbook_file must be set: the playbook to run"}),
        "The playbook to run.")
    host_alias = option(fields.String(load_default="default"),
                        "The VM's name in the generated inventory (what `hosts:` matches).")
    groups = _strings("Inventory groups the VM is in.")
    empty_groups = _strings("Inventory groups that exist with no host in them.")
    inventory_directory = option(fields.String(load_default=None),
                                 "Directory to write the generated inventory into (default: "
                                 "a private temporary directory).")
    inventory_file = option(fields.String(load_default=None),
                            "An inventory of your own instead of the generated one.")
    inventory_file_template = option(
        fields.String(load_default=None),
        "Template of the generated inventory: {{ .HostAlias }}, {{ .Host }}, {{ .User }}, "
        "{{ .Port }}.")
    keep_inventory_file = option(fields.Boolean(load_default=False),
                                 "Keep the generated inventory after the run (its path is "
                                 "printed).")
    ansible_env_vars = _strings("Environment variables of ansible-playbook, as KEY=VALUE.")
    sensitive_env_vars = _strings("Names in ansible_env_vars whose values are secrets: never "
                                  "printed or logged (names with PASS, SECRET, TOKEN, KEY "
                                  "are secret anyway).")
    ansible_ssh_extra_args = option(
        fields.List(fields.String(), load_default=None),
        "Arguments for ssh (--ssh-extra-args; default: -o IdentitiesOnly=yes with a key).")
    user = option(fields.String(load_default=None),
                  "User Ansible logs in as (default: the communicator's ssh_username).")
    use_proxy = option(
        fields.Boolean(load_default=None),
        "true: Ansible connects to a local SSH proxy (127.0.0.1, a random port, a one-time "
        "key pair and host key) that relays its commands and file transfers to the VM over "
        "osc-build's own connection, bastion included; false or unset: Ansible connects to "
        "the VM directly with the build's key, user and bastion (Packer's recommended mode).")
    use_sftp = option(fields.Boolean(load_default=False),
                      "true: Ansible sends files over SFTP (through the proxy: sftp_command "
                      "on the VM); false: with the scp protocol (scp -O), so the VM needs scp "
                      "(Debian and Ubuntu images have it).")
    sftp_command = option(fields.String(load_default=DEFAULT_SFTP_COMMAND),
                          "The SFTP server the proxy runs on the VM for Ansible's SFTP "
                          "transfers (use_proxy with use_sftp); Debian and Ubuntu have "
                          "/usr/lib/sftp-server.")
    roles_path = option(fields.String(load_default=None),
                        "Where galaxy_file's roles go, and ANSIBLE_ROLES_PATH of the play.")
    collections_path = option(fields.String(load_default=None),
                              "Where galaxy_file's collections go, and "
                              "ANSIBLE_COLLECTIONS_PATH of the play.")
    skip_version_check = option(fields.Boolean(load_default=False),
                                "Do not run `ansible-playbook --version` first.")

    @validates("playbook_file")
    def _playbook_exists(self, value: str, **_: Any) -> None:
        _existing("playbook_file", value)

    @validates("inventory_file")
    def _inventory_exists(self, value: str | None, **_: Any) -> None:
        _existing("inventory_file", value, directory_ok=True)

    @validates("inventory_directory")
    def _inventory_directory_exists(self, value: str | None, **_: Any) -> None:
        if value and not os.path.isdir(value):
            raise ValidationError(f"inventory_directory {value!r} is not a directory; "
                                  "create it or leave the option out")

    @validates("ansible_env_vars")
    def _env_assignments(self, value: list[str], **_: Any) -> None:
        for item in value:
            key, sep, _rest = item.partition("=")
            if not sep or not _VAR_NAME.match(key):
                raise ValidationError(f"not in format KEY=VALUE: {key or item!r}")

    @validates("sftp_command")
    def _sftp_command_is_a_command(self, value: str, **_: Any) -> None:
        try:
            words = shlex.split(value)
        except ValueError as err:
            raise ValidationError(f"cannot be split into words ({err}); check the quotes") \
                from None
        if not words:
            raise ValidationError("is empty; give the VM's SFTP server, e.g. "
                                  f"{DEFAULT_SFTP_COMMAND!r}, or leave the option out")

    @validates("command")
    def _command_found(self, value: str | None, **_: Any) -> None:
        if value:
            program = shlex.split(value)[0] if value.strip() else ""
            if not program or not shutil.which(program):
                raise ValidationError(f"command {program!r} is not found; install "
                                      "ansible-core or give the path of ansible-playbook")

    @post_load
    def _register_secret_values(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        sensitive = set(data["sensitive_env_vars"])
        for item in data["ansible_env_vars"]:
            key, _, value = item.partition("=")
            if key in sensitive or _SECRET_NAME.search(key):
                register_secret(value)
        return data


class AnsibleLocalOptionsSchema(CommonAnsibleOptionsSchema):
    """``ansible-local``: upload the playbook and run ansible-playbook in the VM."""

    playbook_dir = option(fields.String(load_default=None),
                          "A directory uploaded whole to the staging directory (playbooks, "
                          "roles, vars).")
    playbook_files = _strings("Playbooks run in order (instead of playbook_file).")
    playbook_paths = _strings("Directories of playbooks to upload too.")
    role_paths = _strings("Role directories uploaded to <staging>/roles.")
    group_vars = option(fields.String(load_default=None),
                        "A group_vars directory, uploaded next to the inventory.")
    host_vars = option(fields.String(load_default=None),
                       "A host_vars directory, uploaded next to the inventory.")
    inventory_file = option(fields.String(load_default=None),
                            "An inventory file to upload instead of the generated one.")
    inventory_groups = _strings("Groups of 127.0.0.1 in the generated inventory.")
    staging_directory = option(fields.String(load_default=None),
                               "Where files go on the VM (default: "
                               "/tmp/packer-provisioner-ansible-local/<random>).")
    clean_staging_directory = option(fields.Boolean(load_default=False),
                                     "Remove the staging directory after the run.")
    galaxy_roles_path = option(fields.String(load_default=None),
                               "Where galaxy_file's roles go on the VM (default: "
                               "<staging>/galaxy_roles).")
    galaxy_collections_path = option(fields.String(load_default=None),
                                     "Where galaxy_file's collections go on the VM (default: "
                                     "<staging>/galaxy_collections).")

    @validates("playbook_file")
    def _playbook_exists(self, value: str | None, **_: Any) -> None:
        _existing("playbook_file", value)

    @cross_check
    def _directories_exist(self, data: Mapping[str, Any], **_: Any) -> None:
        errors = {}
        for name in ("playbook_dir", "group_vars", "host_vars", "playbook_paths", "role_paths"):
            value = data.get(name)
            for path in [value] if isinstance(value, str) else value or ():
                if not os.path.isdir(path):
                    errors[name] = f"{path!r} is not a directory"
        if errors:
            raise ValidationError(errors)

    @validates("inventory_file")
    def _inventory_exists(self, value: str | None, **_: Any) -> None:
        _existing("inventory_file", value)

    @validates("playbook_files")
    def _playbook_files_exist(self, value: list[str], **_: Any) -> None:
        for path in value:
            _existing("playbook_files:", path)

    @cross_check
    def _needs_a_playbook(self, data: Mapping[str, Any], **_: Any) -> None:
        if not data.get("playbook_file") and not data.get("playbook_files"):
            raise ValidationError("set playbook_file (a playbook) or playbook_files",
                                  field_name="playbook_file")
