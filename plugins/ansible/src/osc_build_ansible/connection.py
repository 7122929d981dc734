"""How ansible-playbook's OpenSSH reaches the VM: directly with the build's key, user and
bastion, or (``use_proxy``) through a local SSH proxy with a key pair of its own.

The temporary private key (the VM's, or the proxy's) is written to the run's private
directory (0600); a key file of the user's (``ssh_private_key_file``) is used where it is.
Host keys are neither checked nor recorded: the VM (or proxy) is new, and the user's
known_hosts stays as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import paramiko

from osc_build.communicators.keys import register_key_secret
from osc_build.errors import BuildError
from osc_build_ansible.proxy import ProxyFindings, SshProxy, new_key, private_key_text

if TYPE_CHECKING:
    from osc_build.communicators.ssh import SshEndpoint
    from osc_build_ansible.workspace import PrivateDir

log = logging.getLogger(__name__)
PROXY_HOST = "127.0.0.1"
NO_HOST_KEYS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]


@dataclass
class AnsibleConnection:
    key_file: str | None = None
    vars_file: str | None = None  # ansible_password, when the VM is reached by password
    common_args: list[str] = field(default_factory=list)
    findings: ProxyFindings | None = None  # with the proxy: what the VM turned out to lack


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


@contextlib.contextmanager
def ansible_target(config: Any, communicator: Any, endpoint: SshEndpoint,
                   work: PrivateDir) -> Iterator[tuple[SshEndpoint, AnsibleConnection]]:
    """Where the inventory sends Ansible, and how it logs in there: the VM itself, or
    (``use_proxy``) the local proxy, which lets in the inventory's user with a one-time key
    and relays to the VM over the communicator's connection."""
    if not config.use_proxy:
        yield endpoint, prepare_connection(endpoint, work)
        return
    key = new_key()
    text = private_key_text(key)
    register_key_secret(text)
    key_file = work.write("id_proxy", text)
    user = config.user or endpoint.username
    with SshProxy(vm_sessions(communicator), user=user, client_key=key,
                  sftp_command=config.sftp_command) as proxy:
        target = dataclasses.replace(endpoint, host=PROXY_HOST, port=proxy.port,
                                     private_key_pem=None, private_key_file=None,
                                     password=None, bastion=None)
        yield target, AnsibleConnection(key_file=str(key_file),
                                        common_args=[shlex.join(NO_HOST_KEYS)],
                                        findings=proxy.findings)


def vm_sessions(communicator: Any) -> Callable[[], paramiko.Channel]:
    """New sessions on the VM, over the SSH communicator's live connection (reconnected if
    the VM dropped it, e.g. after a reboot)."""

    def open_session() -> paramiko.Channel:
        return communicator.connection.transport.open_session(timeout=30)

    return open_session


def proxy_hint(connection: AnsibleConnection) -> str:
    """What to change when the play failed because the VM lacked scp or the SFTP server."""
    return "; ".join(connection.findings.hints) if connection.findings else ""


_SCP_FLAGS = re.compile(r"usage: scp \[-(?P<flags>\w+)\]")


def scp_extra_args() -> str:
    """``-O`` when this machine's scp would otherwise speak SFTP (OpenSSH 9 and later):
    use_sftp = false means the scp protocol, whose remote end is the VM's ``scp -t``."""
    try:
        usage = subprocess.run(["scp"], capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        log.info("cannot run scp here (%s): Ansible will say so if the play sends files", err)
        return ""
    match = _SCP_FLAGS.search(usage.stderr + usage.stdout)
    return "-O" if match and "O" in match["flags"] else ""
