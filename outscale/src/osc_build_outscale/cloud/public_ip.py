"""Step: a temporary public IP (associate_public_ip_address)."""

from __future__ import annotations

from osc_build.context import BuildContext
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import intents
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.reads import read_by_id
from osc_build_outscale.cloud.state import VmBuildState


def create_public_ip(ctx: BuildContext, state: VmBuildState) -> None:
    if not ctx.config.associate_public_ip_address:
        return
    client = state.api
    intents.public_ip_intent(ctx, client)
    ip = client.call("CreatePublicIp")["PublicIp"]
    ctx.resources.track("public IP", ip["PublicIpId"], lambda: _release(client, ip["PublicIpId"]),
                        region=client.region)
    tagging.mark_temporary(ctx, client, [ip["PublicIpId"]])
    state.public_ip = ip
    ctx.ui.message(f"public IP {ip['PublicIp']} ({ip['PublicIpId']})")


def link_public_ip(ctx: BuildContext, state: VmBuildState) -> None:
    if state.public_ip is None or state.vm is None:
        return
    state.api.call("LinkPublicIp", PublicIpId=state.public_ip["PublicIpId"],
                   VmId=state.vm["VmId"])


def _release(client: OscClient, public_ip_id: str) -> None:
    public_ip = read_by_id(client, "public IP", public_ip_id)
    if not public_ip:
        return  # already gone
    if public_ip.get("LinkPublicIpId"):
        client.call("UnlinkPublicIp", LinkPublicIpId=public_ip["LinkPublicIpId"])
    # The public Cloud needs the address itself; the id alone is for IPs of a Net (spec).
    client.call("DeletePublicIp", PublicIp=public_ip["PublicIp"], PublicIpId=public_ip_id)
