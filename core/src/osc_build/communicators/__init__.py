"""Communicators: how provisioners reach the machine being built.

Builders mix :class:`CommunicatorOptionsSchema` into their options and, at the
provisioning step::

    from osc_build.communicators import connect_ssh
    from osc_build.provision import run_provisioners

    comm = connect_ssh(ctx, host="10.0.0.12", options=ctx.config,
                       private_key_pem=temporary_key)  # None: key file, agent or password
    try:
        run_provisioners(ctx, comm, ctx.provisioners)
        if ctx.config.ssh_clear_authorized_keys:
            comm.clear_authorized_keys()
    finally:
        comm.close()

``connect_ssh`` says "Waiting for SSH to become available..." and "Connected to
SSH!" itself, and ``clear_authorized_keys`` says what it removes. With
``communicator = "none"`` run the provisioners with :class:`NoneCommunicator`:
``shell-local`` and ``breakpoint`` work, ``shell`` and ``file`` fail with a clear
message (as in Packer). fabric is imported only when :func:`connect_ssh` is first
called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from osc_build.communicators.none import NoneCommunicator
from osc_build.communicators.options import CommunicatorOptionsSchema, seconds

if TYPE_CHECKING:
    from osc_build.communicators.ssh import SshCommunicator
    from osc_build.context import BuildContext

__all__ = ["CommunicatorOptionsSchema", "NoneCommunicator", "connect_ssh", "seconds"]


def connect_ssh(ctx: BuildContext, host: str, options: Any,
                private_key_pem: str | None = None) -> SshCommunicator:
    """Wait for SSH on ``host`` and return a connected :class:`SshCommunicator`.

    See :func:`osc_build.communicators.connect.connect_ssh`.
    """
    from osc_build.communicators.connect import connect_ssh as connect

    return connect(ctx, host, options, private_key_pem)
