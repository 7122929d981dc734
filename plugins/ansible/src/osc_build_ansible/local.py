"""The ``ansible-local`` provisioner: upload the playbook and run ansible-playbook in the VM.

Files go to ``staging_directory`` as in Packer: the playbook (or playbook_dir, whole),
``playbooks/`` (playbook_paths), ``roles/`` (role_paths), ``group_vars``, ``host_vars``,
the inventory, and the galaxy requirements. Ansible must be installed in the VM.
"""

from __future__ import annotations

import posixpath
import shlex
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osc_build.errors import BuildError
from osc_build.interfaces import Provisioner
from osc_build.provisioners.scripts import build_name, upload_bytes
from osc_build_ansible.options import AnsibleLocalOptionsSchema

if TYPE_CHECKING:
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator

DEFAULT_COMMAND = "ANSIBLE_FORCE_COLOR=1 PYTHONUNBUFFERED=1 ansible-playbook"
STAGING_PARENT = "/tmp/packer-provisioner-ansible-local"


def local_inventory(groups: list[str]) -> str:
    """127.0.0.1, in each of ``groups`` (Packer's generated inventory for ansible-local)."""
    if not groups:
        return "127.0.0.1\n"
    return "".join(f"[{group}]\n127.0.0.1\n" for group in groups)


def playbook_command(config: Any, *, staging: str, playbook: str, inventory: str,
                     build: str, builder: str) -> str:
    """``cd STAGING && ansible-playbook PLAYBOOK -c local -i INVENTORY`` with Packer's
    extra variables and the user's arguments."""
    extra_vars = f"packer_build_name={build} packer_builder_type={builder}"
    parts = [config.command or DEFAULT_COMMAND, shlex.quote(playbook),
             "--extra-vars", shlex.quote(extra_vars),
             *(shlex.quote(arg) for arg in config.extra_arguments),
             "-c", "local", "-i", shlex.quote(inventory)]
    if config.galaxy_file:  # where galaxy_command put them
        roles, collections = galaxy_paths(config, staging)
        parts.insert(0, f"ANSIBLE_ROLES_PATH={shlex.quote(roles)} "
                        f"ANSIBLE_COLLECTIONS_PATH={shlex.quote(collections)}")
    return f"cd {shlex.quote(staging)} && " + " ".join(parts)


def galaxy_paths(config: Any, staging: str) -> tuple[str, str]:
    return (config.galaxy_roles_path or posixpath.join(staging, "galaxy_roles"),
            config.galaxy_collections_path or posixpath.join(staging, "galaxy_collections"))


def galaxy_command(config: Any, *, staging: str, requirements: str) -> list[str]:
    """Roles (and collections) of galaxy_file, installed in the VM under the staging dir."""
    galaxy = config.galaxy_command or "ansible-galaxy"
    force = " --force" if config.galaxy_force_install else ""
    roles, collections = galaxy_paths(config, staging)
    quoted = shlex.quote(requirements)
    return [f"cd {shlex.quote(staging)} && {galaxy} install -r {quoted} "
            f"-p {shlex.quote(roles)}{force}",
            f"cd {shlex.quote(staging)} && if grep -q '^collections:' {quoted}; then "
            f"{galaxy} collection install -r {quoted} -p {shlex.quote(collections)}{force}; fi"]


class AnsibleLocalProvisioner(Provisioner):
    """Uploads a playbook (and its roles, vars and requirements) to the VM and runs
    ansible-playbook there, against 127.0.0.1 with the local connection."""

    schema = AnsibleLocalOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Communicator,
                  config: Any) -> None:
        staging = config.staging_directory or posixpath.join(STAGING_PARENT,
                                                                uuid.uuid4().hex)
        _run(communicator, f"mkdir -p {shlex.quote(staging)}", "creating the staging directory")
        try:
            self._stage_and_run(ctx, communicator, config, staging)
        finally:
            if config.clean_staging_directory:
                ctx.ui.say("Removing the staging directory...")
                _run(communicator, f"rm -rf {shlex.quote(staging)}",
                     "removing the staging directory")

    def _stage_and_run(self, ctx: BuildContext, communicator: Communicator,
                       config: Any, staging: str) -> None:
        def put(source: str, destination: str) -> None:
            ctx.check_cancelled()
            communicator.upload(Path(source), destination)

        if config.playbook_dir:
            ctx.ui.say(f"Uploading playbook directory: {config.playbook_dir}")
            put(config.playbook_dir, staging)
        playbooks = ([config.playbook_file] if config.playbook_file
                     else list(config.playbook_files))
        for playbook in playbooks:
            ctx.ui.say(f"Uploading main Playbook file: {playbook}")
            put(playbook, posixpath.join(staging, Path(playbook).name))
        for path in config.playbook_paths:
            put(path, posixpath.join(staging, "playbooks", Path(path).name))
        for path in config.role_paths:
            ctx.ui.say(f"Uploading role directory: {path}")
            put(path, posixpath.join(staging, "roles", Path(path).name))
        for name in ("group_vars", "host_vars"):
            if getattr(config, name):
                put(getattr(config, name), posixpath.join(staging, name))
        if config.inventory_file:
            inventory = posixpath.join(staging, Path(config.inventory_file).name)
            put(config.inventory_file, inventory)
        else:
            inventory = posixpath.join(staging, "packer-provisioner-ansible-local.ini")
            upload_bytes(communicator, local_inventory(config.inventory_groups).encode(),
                         inventory, 0o644)
        if config.galaxy_file:
            requirements = posixpath.join(staging, Path(config.galaxy_file).name)
            put(config.galaxy_file, requirements)
            ctx.ui.say("Executing Ansible Galaxy")
            for command in galaxy_command(config, staging=staging, requirements=requirements):
                _run(communicator, command, "ansible-galaxy")
        for playbook in playbooks:
            ctx.ui.say(f"Executing Ansible: {Path(playbook).name}")
            _run(communicator, playbook_command(
                config, staging=staging, playbook=Path(playbook).name, inventory=inventory,
                build=build_name(ctx), builder=ctx.builder), "ansible-playbook")


def _run(communicator: Communicator, command: str, what: str) -> None:
    status = communicator.run(command)
    if status != 0:
        raise BuildError(f"{what} exited with status {status} in the VM (see its output "
                         "above); ansible-local needs Ansible installed in the image")
