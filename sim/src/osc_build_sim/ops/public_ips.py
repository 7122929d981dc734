"""Public IPs (in 127.64.0.0/12) and Link/UnlinkPublicIp."""

from __future__ import annotations

from .. import filters
from ..engine import new_id
from ..errors import ApiError, conflict, missing_set, not_found
from ..store import Tx, public
from . import Ctx, operation
from .common import base_doc, get_owned, owned


def _find(ctx: Ctx, tx: Tx, body: dict) -> dict:
    if body.get("PublicIpId"):
        return get_owned(ctx, tx, "public_ip", body["PublicIpId"])
    wanted = body.get("PublicIp")
    if wanted is None and body.get("LinkPublicIpId"):
        match = [ip for ip in owned(ctx, tx, "public_ip")
                 if ip.get("LinkPublicIpId") == body["LinkPublicIpId"]]
        if not match:
            raise not_found(5025, "link", body["LinkPublicIpId"])
        return match[0]
    if wanted is None:
        raise missing_set("Give PublicIp or PublicIpId.")
    match = [ip for ip in owned(ctx, tx, "public_ip") if ip["PublicIp"] == wanted]
    if not match:
        raise not_found(5025, "public IP", wanted)
    return match[0]


def _unlink(ctx: Ctx, tx: Tx, ip: dict) -> tuple[str, str] | None:
    vm_id = ip.get("VmId")
    for key in ("VmId", "LinkPublicIpId", "PrivateIp", "NicId", "NicAccountId"):
        ip.pop(key, None)
    tx.put(ip)
    if vm_id and (vm := tx.get("vm", vm_id)) is not None:
        vm.pop("PublicIp", None)
        vm.pop("PublicDnsName", None)
        tx.put(vm)
        return vm_id, ip["PublicIp"]
    return None


def _backend_call(ctx: Ctx, name: str, pair: tuple[str, str] | None) -> None:
    method = getattr(ctx.sim.backend, name, None)
    if pair and method is not None:
        ctx.sim.submit(lambda: method(*pair))


@operation("CreatePublicIp")
def create_public_ip(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        ident = new_id("eipalloc")
        doc = tx.put({**base_doc(ctx, "public_ip", ident), "PublicIpId": ident,
                      "PublicIp": ctx.sim.allocate_public_ip(tx), "Tags": []})
    return {"PublicIp": public(doc)}


@operation("ReadPublicIps")
def read_public_ips(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "public_ip")
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(),
        "PublicIps": filters.field("PublicIp"), "PublicIpIds": filters.field("PublicIpId"),
        "LinkPublicIpIds": filters.field("LinkPublicIpId"), "VmIds": filters.field("VmId"),
        "PrivateIps": filters.field("PrivateIp"), "NicIds": filters.field("NicId"),
        "Placements": lambda d: ["vpc"],
    })
    return filters.paginate([public(d) for d in items], body, "PublicIps")


@operation("LinkPublicIp")
def link_public_ip(ctx: Ctx, body: dict) -> dict:
    if not body.get("VmId"):
        raise missing_set("LinkPublicIp needs VmId (NICs are not simulated).")
    with ctx.sim.store.write() as tx:
        ip = _find(ctx, tx, body)
        vm = get_owned(ctx, tx, "vm", body["VmId"])
        if vm["State"] in ("terminated", "shutting-down"):
            raise ApiError(409, 6006, f"VM {vm['VmId']} is {vm['State']}.")
        unlinked = []
        if ip.get("VmId"):
            if not body.get("AllowRelink"):
                raise conflict(9000, f"{ip['PublicIp']} is already linked to {ip['VmId']}; "
                                     "set AllowRelink to move it.")
            unlinked.append(_unlink(ctx, tx, ip))
        for other in owned(ctx, tx, "public_ip"):
            if other.get("VmId") == vm["VmId"] and other["_id"] != ip["_id"]:
                unlinked.append(_unlink(ctx, tx, other))
        vm = tx.get("vm", vm["_id"])
        if old := vm.get("PublicIp"):
            unlinked.append((vm["VmId"], old))
        link_id = new_id("eipassoc")
        ip.update(VmId=vm["VmId"], LinkPublicIpId=link_id, PrivateIp=vm["PrivateIp"])
        vm.update(PublicIp=ip["PublicIp"],
                  PublicDnsName=f"ows-{ip['PublicIp'].replace('.', '-')}"
                                f".{ctx.region}.compute.outscale.com")
        tx.put(ip)
        tx.put(vm)
    for pair in unlinked:
        _backend_call(ctx, "unlink_public_ip", pair)
    _backend_call(ctx, "link_public_ip", (vm["VmId"], ip["PublicIp"]))
    return {"LinkPublicIpId": link_id}


@operation("UnlinkPublicIp")
def unlink_public_ip(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        ip = _find(ctx, tx, body)
        if not ip.get("VmId"):
            raise conflict(9026, f"{ip['PublicIp']} is not linked.")
        pair = _unlink(ctx, tx, ip)
    _backend_call(ctx, "unlink_public_ip", pair)
    return {}


def _in_a_net(tx: Tx, ip: dict) -> bool:
    vm = tx.get("vm", ip["VmId"]) if ip.get("VmId") else None
    return bool(vm and vm.get("NetId"))


@operation("DeletePublicIp")
def delete_public_ip(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        ip = _find(ctx, tx, body)
        # Spec: PublicIp "In the public Cloud, this parameter is required"; PublicIpId is
        # the one required in a Net.
        if not body.get("PublicIp") and not _in_a_net(tx, ip):
            raise missing_set(f"DeletePublicIp needs PublicIp ({ip['PublicIp']}) in the public "
                              "Cloud; PublicIpId alone is accepted only for a public IP in a "
                              "Net.")
        pair = _unlink(ctx, tx, ip) if ip.get("VmId") else None
        tx.delete(ip["_id"])
    _backend_call(ctx, "unlink_public_ip", pair)
    return {}
