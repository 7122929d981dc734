"""Before a create call: journal how to find what it makes, should the build die first.

A build killed (SIGKILL, a lost machine) while a create call is on the wire
leaves a resource it never learnt the id of: untracked, untagged. The journal
on this machine (``osc_build.journal``) gets an intent before the call, and
``osc-build leftovers`` finds the resource from it: by the ClientToken the call
carries (CreateVms, CreateVolume, CreateSnapshot take one, and the API makes a
repeated call with it idempotent), or, for an OMI (CreateImage takes none), by
its name and the run's own volumes or snapshots it was made from.
"""

from __future__ import annotations

import uuid

from osc_build.context import BuildContext
from osc_build_outscale.client import OscClient


def client_token(ctx: BuildContext, client: OscClient, kind: str) -> str:
    """A ClientToken for one create call of ``kind``, journaled before the call."""
    token = f"osc-build-{ctx.run_id}-{uuid.uuid4().hex[:12]}"
    ctx.resources.intend(kind, region=client.region, token=token)
    return token


def image_intent(ctx: BuildContext, client: OscClient, name: str, *,
                 volumes: list[str] | tuple[str, ...] = (),
                 snapshots: list[str] | tuple[str, ...] = (), file_location: str = "") -> None:
    """Before CreateImage: its name, and the run's volumes (from a VM) or snapshots it uses,
    or the run's exported manifest it imports (its URL without the query: the pre-signed
    signature is a secret, never written)."""
    ctx.resources.intend("OMI", region=client.region, name=name, volumes=list(volumes),
                         snapshots=list(snapshots), file_location=file_location.split("?")[0])
