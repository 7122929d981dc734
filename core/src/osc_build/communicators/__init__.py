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

Builders that support every communicator call :func:`connect_communicator` instead: ssh and
none are built in; any other name (``winrm``) is a plugin of the
``osc_build.communicators`` entry-point group, a class whose instances have
``connect(ctx, host, options, *, private_key_pem, password)`` returning a
communicator (see :class:`osc_build.interfaces.CommunicatorPlugin`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from osc_build.communicators.none import NoneCommunicator
from osc_build.communicators.options import CommunicatorOptionsSchema, seconds

if TYPE_CHECKING:
    from osc_build.communicators.ssh import SshCommunicator
    from osc_build.context import BuildContext
    from osc_build.provision import Communicator

__all__ = ["CommunicatorOptionsSchema", "NoneCommunicator", "connect_communicator", "connect_ssh",
           "seconds"]


def connect_ssh(ctx: BuildContext, host: str, options: Any,
                private_key_pem: str | None = None) -> SshCommunicator:
    """Wait for SSH on ``host`` and return a connected :class:`SshCommunicator`.

    See :func:`osc_build.communicators.connect.connect_ssh`.
    """
    from osc_build.communicators.connect import connect_ssh as connect

    return connect(ctx, host, options, private_key_pem)


def connect_communicator(ctx: BuildContext, host: str, options: Any, *,
                         private_key_pem: str | None = None,
                         password: str | None = None) -> Communicator:
    """Wait for the machine at ``host`` over ``options.communicator``; return a communicator.

    ``password`` is one the builder learnt (e.g. a Windows administrator password read
    from the cloud); options that set one themselves win over it.
    """
    name = getattr(options, "communicator", "ssh") or "ssh"
    if name == "none":
        return NoneCommunicator()
    if name == "ssh":
        return connect_ssh(ctx, host, options, private_key_pem)
    from osc_build import registry

    plugin = registry.load_at(registry.COMMUNICATOR, name, where="communicator")
    return plugin().connect(ctx, host, options, private_key_pem=private_key_pem,
                            password=password)
