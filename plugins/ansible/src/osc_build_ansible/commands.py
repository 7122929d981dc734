"""The command lines osc-build runs: ansible-playbook, and ansible-galaxy for galaxy_file.

Without ``command``, the ``ansible-playbook`` installed next to osc-build (same
environment: the ``ansible-core`` this distribution depends on) is preferred over
whatever ``PATH`` holds.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from osc_build.errors import ConfigError


def program(command: str | None, default: str) -> list[str]:
    """``command`` split as a shell would, else ``default`` from osc-build's environment."""
    if command and command.strip() and command.strip() != default:
        return shlex.split(command)
    sibling = Path(sys.executable).parent / default
    if sibling.is_file():
        return [str(sibling)]
    return [shutil.which(default) or default]


def galaxy_commands(galaxy: Sequence[str], galaxy_file: str, *, roles_path: str | None,
                    collections_path: str | None, force: bool) -> list[list[str]]:
    """``ansible-galaxy [collection] install -r FILE``: roles, then collections, as the
    requirements file lists them (a plain list is roles, Galaxy's old format)."""
    try:
        with open(galaxy_file, encoding="utf-8") as handle:
            requirements: Any = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"galaxy_file {galaxy_file!r} cannot be read: {err}; give a "
                          "requirements.yml with roles and/or collections") from None
    if isinstance(requirements, list):
        kinds = {"roles"}
    elif isinstance(requirements, dict):
        kinds = {key for key in ("roles", "collections") if requirements.get(key)}
    else:
        kinds = set()
    if not kinds:
        raise ConfigError(f"galaxy_file {galaxy_file!r} lists no roles or collections; "
                          "add them or leave galaxy_file out")
    force_flag = ["--force"] if force else []
    out = []
    if "roles" in kinds:
        out.append([*galaxy, "install", "-r", galaxy_file,
                    *(["-p", roles_path] if roles_path else []), *force_flag])
    if "collections" in kinds:
        out.append([*galaxy, "collection", "install", "-r", galaxy_file,
                    *(["-p", collections_path] if collections_path else []), *force_flag])
    return out


def playbook_arguments(*, build_name: str, builder_type: str, inventory: str, playbook: str,
                       key_file: str | None, ssh_extra_args: Sequence[str],
                       ssh_common_args: Sequence[str], vars_file: str | None,
                       extra_arguments: Sequence[str]) -> list[str]:
    """Packer's arguments: the build's name and type and the key as extra variables,
    then the SSH arguments, the user's extra arguments, the inventory and the playbook."""
    args = ["-e", f"packer_build_name={build_name}", "-e", f"packer_builder_type={builder_type}"]
    if key_file:
        args += ["-e", f"ansible_ssh_private_key_file={key_file}"]
    if vars_file:
        args += ["-e", f"@{vars_file}"]
    if ssh_extra_args:
        args += ["--ssh-extra-args", " ".join(ssh_extra_args)]
    if ssh_common_args:
        args += ["--ssh-common-args", " ".join(ssh_common_args)]
    return [*args, *extra_arguments, "-i", inventory, playbook]
