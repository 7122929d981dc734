"""How ansible-playbook's OpenSSH reaches the VM: the build's key, user and bastion.

The temporary private key is written to the run's private directory (0600); a key
file of the user's (``ssh_private_key_file``) is used where it is. Host keys are
neither checked nor recorded: the VM is new, and the user's known_hosts stays as it was.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from osc_build.errors import BuildError

if TYPE_CHECKING:
    from osc_build.communicators.ssh import SshEndpoint
    from osc_build_ansible.workspace import PrivateDir

NO_HOST_KEYS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]


@dataclass
class AnsibleConnection:
    key_file: str | None = None
    vars_file: str | None = None  # ansible_password, when the VM is reached by password
    common_args: list[str] = field(default_factory=list)


def endpoint_of(communicator: object) -> SshEndpoint:
    """The SSH communicator's connection details; a clear error for any other."""
    endpoint = getattr(communicator, "endpoint", None)
    if not callable(endpoint):
        raise BuildError("the ansible provisioner needs communicator = \"ssh\" (it connects "
                         "to the VM over SSH); use ansible-local or shell-local otherwise")
    return endpoint()


def prepare_connection(endpoint: SshEndpoint, work: PrivateDir) -> AnsibleConnection:
    """Write what OpenSSH needs into ``work``; return the arguments that use it."""
    out = AnsibleConnection(common_args=[shlex.join(NO_HOST_KEYS)])
    if endpoint.private_key_pem:
        text = endpoint.private_key_pem
        out.key_file = str(work.write("id_vm", text if text.endswith("\n") else text + "\n"))
    elif endpoint.private_key_file:
        out.key_file = os.path.expanduser(endpoint.private_key_file)
    elif endpoint.password:
        out.vars_file = str(work.write("connection.json",
                                       json.dumps({"ansible_password": endpoint.password})))
    if endpoint.bastion is not None:
        out.common_args.append(shlex.join(["-o", f"ProxyCommand={_jump(endpoint.bastion)}"]))
    return out


def _jump(bastion: SshEndpoint) -> str:
    """``ssh -W %h:%p`` through the bastion, with its key file or the agent."""
    key = os.path.expanduser(bastion.private_key_file) if bastion.private_key_file else None
    if bastion.password and not key and not bastion.agent:
        raise BuildError("the ansible provisioner cannot log in to the bastion with a "
                         "password; give ssh_bastion_private_key_file or "
                         "ssh_bastion_agent_auth")
    command = ["ssh", *NO_HOST_KEYS, "-o", "BatchMode=yes", "-W", "%h:%p",
               "-p", str(bastion.port)]
    if key:
        command += ["-o", "IdentitiesOnly=yes", "-i", key]
    return shlex.join([*command, f"{bastion.username}@{bastion.host}"])
