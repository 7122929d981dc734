"""Nets and Subnets: created available at once."""

from __future__ import annotations

import ipaddress

from .. import filters
from ..engine import new_id
from ..errors import conflict, invalid
from ..store import public
from . import Ctx, operation
from .common import base_doc, get_owned, owned


def _cidr(value: str, low: int, high: int) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.IPv4Network(value)
    except ValueError:
        raise invalid(f"IpRange {value!r} is not a CIDR block like 10.0.0.0/16.") from None
    if not low <= net.prefixlen <= high:
        raise invalid(f"IpRange {value!r} must have a prefix between /{low} and /{high}.")
    return net


@operation("CreateNet")
def create_net(ctx: Ctx, body: dict) -> dict:
    _cidr(body["IpRange"], 16, 28)
    with ctx.sim.store.write() as tx:
        ident = new_id("vpc")
        doc = tx.put({**base_doc(ctx, "net", ident), "NetId": ident, "IpRange": body["IpRange"],
                      "State": "available", "DhcpOptionsSetId": new_id("dopt"),
                      "Tenancy": body.get("Tenancy", "default"), "Tags": []})
    return {"Net": public(doc)}


@operation("ReadNets")
def read_nets(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "net")
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(), "NetIds": filters.field("NetId"),
        "IpRanges": filters.field("IpRange"), "States": filters.field("State"),
        "DhcpOptionsSetIds": filters.field("DhcpOptionsSetId"), "IsDefault": lambda d: [False],
    })
    return filters.paginate([public(d) for d in items], body, "Nets")


@operation("UpdateNet")
def update_net(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "net", body["NetId"])
        doc["DhcpOptionsSetId"] = body["DhcpOptionsSetId"]
        tx.put(doc)
    return {"Net": public(doc)}


@operation("DeleteNet")
def delete_net(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "net", body["NetId"])
        subnets = [s["SubnetId"] for s in owned(ctx, tx, "subnet") if s["NetId"] == doc["_id"]]
        if subnets:
            raise conflict(9066, f"Net {doc['_id']} still has Subnets {', '.join(subnets)}.")
        for group in owned(ctx, tx, "security_group"):
            if group.get("NetId") == doc["_id"]:
                if group["SecurityGroupName"] != "default":
                    raise conflict(9066, f"Net {doc['_id']} still has security group "
                                         f"{group['_id']}.")
                tx.delete(group["_id"])
        tx.delete(doc["_id"])
    return {}


@operation("CreateSubnet")
def create_subnet(ctx: Ctx, body: dict) -> dict:
    wanted = _cidr(body["IpRange"], 16, 28)
    region = ctx.sim.config.regions[ctx.region]
    subregion = body.get("SubregionName", ctx.region + region.subregions[0])
    if subregion not in [ctx.region + s for s in region.subregions]:
        raise invalid(f"SubregionName {subregion!r} is not a subregion of {ctx.region}.")
    with ctx.sim.store.write() as tx:
        net = get_owned(ctx, tx, "net", body["NetId"])
        if not wanted.subnet_of(ipaddress.IPv4Network(net["IpRange"])):
            raise conflict(9044, f"{wanted} is not inside the Net's range {net['IpRange']}.")
        for other in owned(ctx, tx, "subnet"):
            if other["NetId"] == net["NetId"] and wanted.overlaps(
                    ipaddress.IPv4Network(other["IpRange"])):
                raise conflict(9058, f"{wanted} overlaps Subnet {other['SubnetId']}.")
        ident = new_id("subnet")
        doc = tx.put({**base_doc(ctx, "subnet", ident), "SubnetId": ident,
                      "NetId": net["NetId"], "IpRange": str(wanted),
                      "SubregionName": subregion, "State": "available",
                      "AvailableIpsCount": wanted.num_addresses - 5,
                      "MapPublicIpOnLaunch": False, "Tags": []})
    return {"Subnet": public(doc)}


@operation("ReadSubnets")
def read_subnets(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "subnet")
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(), "SubnetIds": filters.field("SubnetId"),
        "NetIds": filters.field("NetId"), "SubregionNames": filters.field("SubregionName"),
        "States": filters.field("State"), "IpRanges": filters.field("IpRange"),
        "AvailableIpsCounts": filters.field("AvailableIpsCount"),
    })
    return filters.paginate([public(d) for d in items], body, "Subnets")


@operation("UpdateSubnet")
def update_subnet(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "subnet", body["SubnetId"])
        doc["MapPublicIpOnLaunch"] = body["MapPublicIpOnLaunch"]
        tx.put(doc)
    return {"Subnet": public(doc)}


@operation("DeleteSubnet")
def delete_subnet(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        doc = get_owned(ctx, tx, "subnet", body["SubnetId"])
        users = [vm["VmId"] for vm in owned(ctx, tx, "vm")
                 if vm.get("SubnetId") == doc["_id"] and vm["State"] != "terminated"]
        if users:
            raise conflict(9059, f"Subnet {doc['_id']} is used by {', '.join(users)}.")
        tx.delete(doc["_id"])
    return {}


