"""Before a create call: journal how to find what it makes, should the build die first.

A build killed (SIGKILL, a lost machine) while a create call is on the wire
leaves a resource it never learnt the id of: untracked, untagged. The journal
on this machine (``osc_build.journal``) gets an intent before the call, and
``osc-build leftovers`` finds the resource from it: by the ClientToken the call
carries (CreateVms, CreateVolume, CreateSnapshot take one, and the API makes a
repeated call with it idempotent); a keypair or security group by its name,
which holds the run id; an OMI (CreateImage takes no token) by its name and the
run's own volumes, snapshots or export it was made from. CreatePublicIp takes
neither token nor name: its intent lists the account's public IPs before the call,
and a public IP that appeared since, that nobody tagged nor linked, is the run's
only when it is the one such IP (never a guess between two).
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


def name_intent(ctx: BuildContext, client: OscClient, kind: str, name: str) -> None:
    """Before creating a keypair or security group named after the run (its run id in the
    name: no other build's can have it); a name the user chose is not journaled."""
    if ctx.run_id in name:
        ctx.resources.intend(kind, region=client.region, name=name)


def public_ip_intent(ctx: BuildContext, client: OscClient) -> None:
    """Before CreatePublicIp: the ids of the account's public IPs (a few: a quota)."""
    before = [ip["PublicIpId"] for ip in client.paginate("ReadPublicIps", "PublicIps")]
    ctx.resources.intend("public IP", region=client.region, before=before)


def image_intent(ctx: BuildContext, client: OscClient, name: str, *,
                 volumes: list[str] | tuple[str, ...] = (),
                 snapshots: list[str] | tuple[str, ...] = (), file_location: str = "") -> None:
    """Before CreateImage: its name, and the run's volumes (from a VM) or snapshots it uses,
    or the run's exported manifest it imports (its URL without the query: the pre-signed
    signature is a secret, never written)."""
    ctx.resources.intend("OMI", region=client.region, name=name, volumes=list(volumes),
                         snapshots=list(snapshots), file_location=file_location.split("?")[0])
