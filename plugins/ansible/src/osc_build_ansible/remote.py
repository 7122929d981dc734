"""The ``ansible`` provisioner: ansible-playbook on the build host, over SSH to the VM."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osc_build.errors import BuildError
from osc_build.interfaces import Provisioner
from osc_build.provisioners.scripts import build_name
from osc_build_ansible.commands import galaxy_commands, playbook_arguments, program
from osc_build_ansible.connection import (
    ansible_target,
    endpoint_of,
    proxy_hint,
    scp_extra_args,
)
from osc_build_ansible.execute import check_version, run_ansible
from osc_build_ansible.inventory import inventory_text
from osc_build_ansible.options import AnsibleOptionsSchema
from osc_build_ansible.workspace import PrivateDir

if TYPE_CHECKING:
    from osc_build.communicators.ssh import SshEndpoint
    from osc_build.context import BuildContext

class AnsibleProvisioner(Provisioner):
    """Runs an Ansible playbook from the build host against the VM, over SSH with the build's
    key, user and bastion, or through a local SSH proxy (``use_proxy``), with a generated
    inventory (Packer's ``ansible`` provisioner)."""

    schema = AnsibleOptionsSchema

    def provision(self, ctx: BuildContext, communicator: Any, config: Any) -> None:
        endpoint = endpoint_of(communicator)
        playbook_cmd = program(config.command, "ansible-playbook")
        if not config.skip_version_check:
            ctx.ui.say(f"Using {check_version(playbook_cmd)}")
        with PrivateDir() as work:
            env = ansible_environment(ctx, config, work)
            if config.galaxy_file:
                install_galaxy(ctx, communicator, config, env)
            with ansible_target(config, communicator, endpoint, work) as (target, connection), \
                    inventory(config, target, work) as inventory_path:
                argv = [*playbook_cmd, *playbook_arguments(
                    build_name=build_name(ctx), builder_type=ctx.builder,
                    inventory=str(inventory_path), playbook=config.playbook_file,
                    key_file=connection.key_file, vars_file=connection.vars_file,
                    ssh_extra_args=ssh_extra_args(config, connection.key_file),
                    ssh_common_args=connection.common_args,
                    extra_arguments=config.extra_arguments)]
                if config.keep_inventory_file and not config.inventory_file:
                    ctx.ui.say(f"Keeping the inventory file {inventory_path}")
                if config.use_proxy:
                    ctx.ui.say(f"Ansible connects to the local SSH proxy on "
                               f"{target.host}:{target.port}, which relays to the VM")
                ctx.ui.say(f"Executing Ansible: {config.playbook_file}")
                try:
                    run_ansible(ctx, communicator, argv, env=env,
                                what="ansible-playbook failed")
                except BuildError as err:
                    hint = proxy_hint(connection)
                    if hint and type(err) is BuildError:  # a timeout stays a timeout
                        raise BuildError(f"{err}; {hint}") from None
                    raise


def ssh_extra_args(config: Any, key_file: str | None) -> list[str]:
    """``ansible_ssh_extra_args``; Packer's ``-o IdentitiesOnly=yes`` when we give a key."""
    if config.ansible_ssh_extra_args is not None:
        return list(config.ansible_ssh_extra_args)
    return ["-o IdentitiesOnly=yes"] if key_file else []


def ansible_environment(ctx: BuildContext, config: Any,
                        work: PrivateDir) -> dict[str, str]:
    """Packer's variables, Ansible's temporary files kept in ``work``, then the user's."""
    env = {
        "PACKER_BUILD_NAME": build_name(ctx),
        "PACKER_BUILDER_TYPE": ctx.builder,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_LOCAL_TEMP": str(work.directory("tmp")),
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(work.directory("cp")),
        # No ssh master outliving the run: nothing holds the VM or the directory after it.
        "ANSIBLE_SSH_ARGS": "-o ControlMaster=no",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
    }
    # Packer's use_sftp: SFTP, else the scp protocol (ansible-core's ssh_transfer_method;
    # its scp_if_ssh is gone since 2.17).
    env["ANSIBLE_SSH_TRANSFER_METHOD"] = "sftp" if config.use_sftp else "scp"
    if not config.use_sftp and (flag := scp_extra_args()):
        env["ANSIBLE_SCP_EXTRA_ARGS"] = flag
    if config.roles_path:
        env["ANSIBLE_ROLES_PATH"] = config.roles_path
    if config.collections_path:
        env["ANSIBLE_COLLECTIONS_PATH"] = config.collections_path
    for item in config.ansible_env_vars:
        key, _, value = item.partition("=")
        env[key] = value
    return env


def install_galaxy(ctx: BuildContext, communicator: object, config: Any,
                   env: Mapping[str, str]) -> None:
    galaxy = program(config.galaxy_command, "ansible-galaxy")
    for argv in galaxy_commands(galaxy, config.galaxy_file, roles_path=config.roles_path,
                                collections_path=config.collections_path,
                                force=config.galaxy_force_install):
        ctx.ui.say(f"Executing Ansible Galaxy: {' '.join(argv[1:])}")
        run_ansible(ctx, communicator, argv, env=env, what="ansible-galaxy failed")


@contextlib.contextmanager
def inventory(config: Any, endpoint: SshEndpoint,
              work: PrivateDir) -> Iterator[Path]:
    """The user's inventory_file, or a generated one (0600) removed afterwards unless
    keep_inventory_file."""
    if config.inventory_file:
        yield Path(config.inventory_file)
        return
    text = inventory_text(host_alias=config.host_alias, host=endpoint.host,
                          user=config.user or endpoint.username, port=endpoint.port,
                          groups=config.groups, empty_groups=config.empty_groups,
                          template=config.inventory_file_template)
    if not config.inventory_directory:
        path = work.write("inventory", text)
        if config.keep_inventory_file:
            path = _kept_copy(text)
        yield path
        return
    fd, name = tempfile.mkstemp(prefix="packer-provisioner-ansible",
                                dir=config.inventory_directory)  # 0600
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    try:
        yield Path(name)
    finally:
        if not config.keep_inventory_file:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)


def _kept_copy(text: str) -> Path:
    """keep_inventory_file without inventory_directory: a 0600 file outside the run's
    private directory (which goes away), in the system's temporary directory."""
    fd, name = tempfile.mkstemp(prefix="packer-provisioner-ansible")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)
