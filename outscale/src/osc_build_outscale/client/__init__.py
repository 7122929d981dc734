"""The shared OUTSCALE API client used by every builder and data source.

Resolve credentials once with :func:`resolve_credentials`, then talk to the API
through an :class:`OscClient`; wait for resource states with :func:`wait_for`::

    class BsuOptionsSchema(AccessOptionsSchema):   # the Packer access keys, inherited
        ...

    options = BsuOptionsSchema().load(raw_options)
    client = OscClient(resolve_credentials(options))
    client.check_access()                          # ReadVms DryRun: fail before creating
    vm = client.call("CreateVms", ImageId="ami-12345678")["Vms"][0]
    wait_for(state_reader(client, "ReadVms", "Vms", {"VmIds": [vm["VmId"]]}),
             wanted={"running"}, failed={"terminated", "shutting-down"}, timeout=600,
             describe=f"vm {vm['VmId']}")
    images = list(client.paginate("ReadImages", "Images", Filters={"ImageNames": ["x"]}))

Errors are :class:`osc_build.errors.CloudError` (API), ``CredentialsError``,
``WaitTimeout`` and ``WaitFailed``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from osc_build_outscale.client.api import OscClient
    from osc_build_outscale.client.credentials import Credentials, resolve_credentials
    from osc_build_outscale.client.options import AccessOptionsSchema
    from osc_build_outscale.client.waiters import decreasing_schedule, state_reader, wait_for

# Imported on first use: validating options needs AccessOptionsSchema, not the client.
_HOMES = {
    "AccessOptionsSchema": "osc_build_outscale.client.options",
    "Credentials": "osc_build_outscale.client.credentials",
    "OscClient": "osc_build_outscale.client.api",
    "decreasing_schedule": "osc_build_outscale.client.waiters",
    "resolve_credentials": "osc_build_outscale.client.credentials",
    "state_reader": "osc_build_outscale.client.waiters",
    "wait_for": "osc_build_outscale.client.waiters",
}

__all__ = [
    "AccessOptionsSchema",
    "Credentials",
    "OscClient",
    "decreasing_schedule",
    "resolve_credentials",
    "state_reader",
    "wait_for",
]


def __getattr__(name: str):
    try:
        home = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return getattr(importlib.import_module(home), name)
