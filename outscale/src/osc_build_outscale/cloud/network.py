"""Step: resolve the Net, Subnet and subregion the build VM goes to."""

from __future__ import annotations

import random
from typing import Any

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.cloud.state import VmBuildState


def _pairs(block: Any, where: str) -> list:
    from osc_build_outscale.filters import merge_filters

    return merge_filters(block.filters, block.filter, where=where)


def resolve_network(ctx: BuildContext, state: VmBuildState) -> None:
    from osc_build_outscale.filters import NET, SUBNET, search

    config = ctx.config
    state.net_id = config.net_id
    state.subnet_id = config.subnet_id
    state.subregion_name = config.subregion_name
    if not state.net_id and config.net_filter:
        nets, query = search(state.api, NET, _pairs(config.net_filter, "net_filter"),
                             defaults={"States": ["available"]}, where="net_filter")
        if len(nets) != 1:
            raise BuildError(f"net_filter must match exactly one Net, {len(nets)} match "
                             f"({query.describe()}); narrow the filter or set net_id")
        state.net_id = nets[0]["NetId"]
    if not state.subnet_id and config.subnet_filter:
        block = config.subnet_filter
        defaults: dict = {"States": ["available"]}
        if state.net_id:
            defaults["NetIds"] = [state.net_id]
        if state.subregion_name:
            defaults["SubregionNames"] = [state.subregion_name]
        subnets, query = search(state.api, SUBNET, _pairs(block, "subnet_filter"),
                                defaults=defaults, where="subnet_filter")
        if not subnets:
            raise BuildError(f"no Subnet matches subnet_filter ({query.describe()})")
        if len(subnets) > 1 and not (block.most_free or block.random):
            raise BuildError(f"{len(subnets)} Subnets match subnet_filter: "
                             f"{', '.join(s['SubnetId'] for s in subnets[:5])}; narrow the "
                             "filter, or set most_free or random")
        if block.random:
            subnet = random.choice(subnets)
        else:
            subnet = max(subnets, key=lambda s: s.get("AvailableIpsCount", 0))
        state.subnet_id = subnet["SubnetId"]
    if state.subnet_id and not (state.net_id and state.subregion_name):
        subnets = state.api.call("ReadSubnets",
                                 Filters={"SubnetIds": [state.subnet_id]}).get("Subnets") or []
        if not subnets:
            raise BuildError(f"subnet_id {state.subnet_id!r} does not exist in "
                             f"{state.region}; check the id and the region")
        state.net_id = state.net_id or subnets[0]["NetId"]
        state.subregion_name = state.subregion_name or subnets[0]["SubregionName"]
    if state.net_id or state.subnet_id:
        ctx.ui.message(f"network: net {state.net_id}, subnet {state.subnet_id}, "
                       f"subregion {state.subregion_name}")
