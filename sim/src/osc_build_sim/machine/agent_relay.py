"""SSH agent forwarding into a VM, as OpenSSH's sshd does it (``AllowAgentForwarding yes``).

asyncssh listens for the client's forwarded agent on a socket of this machine, which the
VM's processes cannot see. So, as sshd makes ``/tmp/ssh-XXXXXXXXXX/agent.<pid>``, a socket
is made in the VM's own /tmp, in a 0700 directory owned by the session's user, and each
connection to it is carried to asyncssh's socket. The VM's /tmp is reached from here
without following any link the guest could have planted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets

from osc_build_sim.machine.sandbox import Sandbox, User

log = logging.getLogger(__name__)


class AgentRelay:
    """One session's agent socket inside the VM, open until :meth:`close`."""

    def __init__(self, tmp_fd: int, folder: str, folder_fd: int,
                 server: asyncio.AbstractServer) -> None:
        self._tmp_fd = tmp_fd
        self._folder = folder
        self._folder_fd = folder_fd
        self._server = server
        self.path = f"/tmp/{folder}/agent"  # SSH_AUTH_SOCK, as the VM sees it

    async def close(self) -> None:
        self._server.close()
        with contextlib.suppress(Exception):
            await self._server.wait_closed()
        with contextlib.suppress(OSError):
            os.unlink("agent", dir_fd=self._folder_fd)
        with contextlib.suppress(OSError):
            os.rmdir(self._folder, dir_fd=self._tmp_fd)
        os.close(self._folder_fd)
        os.close(self._tmp_fd)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def start_relay(sandbox: Sandbox, user: User, agent_path: str) -> AgentRelay:
    """A socket in the VM's /tmp, owned by ``user``, that reaches the agent at ``agent_path``."""

    async def carry(vm_reader: asyncio.StreamReader, vm_writer: asyncio.StreamWriter) -> None:
        try:
            agent_reader, agent_writer = await asyncio.open_unix_connection(agent_path)
        except OSError as error:
            log.debug("VM %s: forwarded agent unreachable: %s", sandbox.vm_id, error)
            vm_writer.close()
            return
        await asyncio.gather(_pump(vm_reader, agent_writer), _pump(agent_reader, vm_writer))

    tmp_fd = sandbox.vm_directory("tmp")
    folder = f"ssh-{secrets.token_hex(5)}"
    try:
        os.mkdir(folder, 0o700, dir_fd=tmp_fd)  # fails on anything already there
        folder_fd = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=tmp_fd)
    except OSError:
        os.close(tmp_fd)
        raise
    server = None
    try:
        os.chown(folder, user.uid, user.gid, dir_fd=tmp_fd, follow_symlinks=False)
        server = await asyncio.start_unix_server(carry, path=f"/proc/self/fd/{folder_fd}/agent")
        os.chown("agent", user.uid, user.gid, dir_fd=folder_fd, follow_symlinks=False)
    except BaseException:
        if server is not None:
            server.close()
        with contextlib.suppress(OSError):
            os.unlink("agent", dir_fd=folder_fd)
        with contextlib.suppress(OSError):
            os.rmdir(folder, dir_fd=tmp_fd)
        os.close(folder_fd)
        os.close(tmp_fd)
        raise
    return AgentRelay(tmp_fd, folder, folder_fd, server)
