"""Step: the security groups of the build VM (existing ones, or a temporary one)."""

from __future__ import annotations

from typing import Any

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.cloud import intents
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.state import VmBuildState


def setup_security_groups(ctx: BuildContext, state: VmBuildState) -> None:
    from osc_build_outscale.filters import SECURITY_GROUP, merge_filters, search

    config = ctx.config
    given = list(config.security_group_ids or [])
    if config.security_group_id:
        given.append(config.security_group_id)
    client = state.api
    if given:
        found = {g["SecurityGroupId"] for g in client.paginate(
            "ReadSecurityGroups", "SecurityGroups", Filters={"SecurityGroupIds": given})}
        missing = [g for g in given if g not in found]
        if missing:
            raise BuildError(f"security group(s) {', '.join(missing)} not found in "
                             f"{state.region}; check security_group_ids")
        state.security_group_ids = given
        return
    block = config.security_group_filter
    if block:
        pairs = merge_filters(block.filters, block.filter,
                              where="security_group_filter")
        groups, query = search(client, SECURITY_GROUP, pairs, where="security_group_filter")
        if not groups:
            raise BuildError(f"no security group matches security_group_filter "
                             f"({query.describe()})")
        state.security_group_ids = [g["SecurityGroupId"] for g in groups]
        return
    name = ctx.temporary_name
    ctx.ui.say(f"Creating temporary security group {name}...")
    intents.name_intent(ctx, client, "security group", name)
    group = client.call("CreateSecurityGroup", SecurityGroupName=name,
                        Description="Temporary group for osc-build",
                        NetId=state.net_id)["SecurityGroup"]
    group_id = group["SecurityGroupId"]
    ctx.resources.track("security group", group_id,
                        lambda: client.call("DeleteSecurityGroup", SecurityGroupId=group_id),
                        region=client.region)
    tagging.mark_temporary(ctx, client, [group_id])
    cidrs = list(config.temporary_security_group_source_cidrs or [])
    if config.temporary_security_group_source_cidr:
        cidrs.append(config.temporary_security_group_source_cidr)
    port = communicator_port(config)
    if config.communicator != "none":
        client.call("CreateSecurityGroupRule", SecurityGroupId=group_id, Flow="Inbound",
                    Rules=[{"IpProtocol": "tcp", "FromPortRange": port, "ToPortRange": port,
                            "IpRanges": cidrs or ["0.0.0.0/0"]}])
    state.security_group_ids = [group_id]


def communicator_port(config: Any) -> int:
    """The port the communicator connects to: the temporary group opens it."""
    if config.communicator == "winrm":
        return int(config.winrm_port or (5986 if config.winrm_use_ssl else 5985))
    return int(config.ssh_port or 22)
