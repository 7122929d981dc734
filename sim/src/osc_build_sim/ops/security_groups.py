"""Security groups and their rules."""

from __future__ import annotations

import ipaddress

from .. import filters
from ..engine import new_id
from ..errors import ApiError, bad_state, conflict, invalid, missing_set
from ..store import Tx, public
from . import Ctx, operation
from .common import base_doc, get_owned, owned

_ALL_OUT = {"IpProtocol": "-1", "FromPortRange": -1, "ToPortRange": -1,
            "IpRanges": ["0.0.0.0/0"], "SecurityGroupsMembers": [], "ServiceIds": []}


def _new_group(ctx: Ctx, name: str, description: str, net_id: str | None) -> dict:
    ident = new_id("sg")
    doc = {**base_doc(ctx, "security_group", ident), "SecurityGroupId": ident,
           "SecurityGroupName": name, "Description": description, "AccountId": ctx.account_id,
           "InboundRules": [], "OutboundRules": [dict(_ALL_OUT)] if net_id else [],
           "Tags": []}
    if net_id:
        doc["NetId"] = net_id
    return doc


def default_group(ctx: Ctx, tx: Tx, net_id: str | None) -> dict:
    """The account's ``default`` group (of the Net, or outside any Net), made on first use."""
    for group in owned(ctx, tx, "security_group"):
        if group["SecurityGroupName"] == "default" and group.get("NetId") == net_id:
            return group
    return tx.put(_new_group(ctx, "default", "default group", net_id))


@operation("CreateSecurityGroup")
def create_security_group(ctx: Ctx, body: dict) -> dict:
    name, net_id = body["SecurityGroupName"], body.get("NetId")
    with ctx.sim.store.write() as tx:
        if net_id:
            get_owned(ctx, tx, "net", net_id)
        if any(g["SecurityGroupName"] == name and g.get("NetId") == net_id
               for g in owned(ctx, tx, "security_group")):
            raise conflict(9008, f"A security group named {name!r} already exists here.")
        doc = tx.put(_new_group(ctx, name, body["Description"], net_id))
    return {"SecurityGroup": public(doc)}


def _rules(body: dict) -> list[dict]:
    if body.get("Rules"):
        rules = [dict(r) for r in body["Rules"]]
    elif body.get("IpProtocol"):
        rules = [{k: body[k] for k in ("IpProtocol", "FromPortRange", "ToPortRange")
                  if k in body}]
        rules[0]["IpRanges"] = [body["IpRange"]] if body.get("IpRange") else []
    elif body.get("SecurityGroupNameToLink") or body.get("SecurityGroupNameToUnlink"):
        name = body.get("SecurityGroupNameToLink") or body.get("SecurityGroupNameToUnlink")
        account = body.get("SecurityGroupAccountIdToLink") or body.get(
            "SecurityGroupAccountIdToUnlink", "")
        rules = [{"IpProtocol": "-1", "SecurityGroupsMembers": [
            {"SecurityGroupName": name, "AccountId": account}]}]
    else:
        raise missing_set("Give Rules, or IpProtocol with ports and IpRange.")
    for rule in rules:
        for ip_range in rule.get("IpRanges", []):
            try:
                ipaddress.ip_network(ip_range, strict=False)
            except ValueError:
                raise invalid(f"IpRange {ip_range!r} is not a CIDR block.") from None
        rule.setdefault("FromPortRange", -1 if rule["IpProtocol"] == "-1" else 0)
        rule.setdefault("ToPortRange", -1 if rule["IpProtocol"] == "-1" else 65535)
        for key in ("IpRanges", "SecurityGroupsMembers", "ServiceIds"):
            rule.setdefault(key, [])
    return rules


def _key(rule: dict) -> tuple:
    return (rule["IpProtocol"], rule["FromPortRange"], rule["ToPortRange"])


def _change_rules(ctx: Ctx, body: dict, add: bool) -> dict:
    flow = body["Flow"]
    if flow not in ("Inbound", "Outbound"):
        raise invalid("Flow must be Inbound or Outbound.")
    with ctx.sim.store.write() as tx:
        group = get_owned(ctx, tx, "security_group", body["SecurityGroupId"])
        if flow == "Outbound" and not group.get("NetId"):
            raise invalid("Outbound rules exist only for security groups in a Net.")
        current = group[f"{flow}Rules"]
        for rule in _rules(body):
            same = [r for r in current if _key(r) == _key(rule)]
            if add:
                if same:
                    r = same[0]
                    r["IpRanges"] = sorted(set(r["IpRanges"]) | set(rule["IpRanges"]))
                    r["SecurityGroupsMembers"] += [m for m in rule["SecurityGroupsMembers"]
                                                   if m not in r["SecurityGroupsMembers"]]
                else:
                    current.append(rule)
            else:
                for r in same:
                    r["IpRanges"] = [x for x in r["IpRanges"] if x not in rule["IpRanges"]]
                    r["SecurityGroupsMembers"] = [m for m in r["SecurityGroupsMembers"]
                                                  if m not in rule["SecurityGroupsMembers"]]
                    if not r["IpRanges"] and not r["SecurityGroupsMembers"]:
                        current.remove(r)
        tx.put(group)
    return {"SecurityGroup": public(group)}


@operation("CreateSecurityGroupRule")
def create_rule(ctx: Ctx, body: dict) -> dict:
    return _change_rules(ctx, body, add=True)


@operation("DeleteSecurityGroupRule")
def delete_rule(ctx: Ctx, body: dict) -> dict:
    return _change_rules(ctx, body, add=False)


@operation("ReadSecurityGroups")
def read_security_groups(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "security_group")

    def rules(flow, key):
        return lambda d: [v for r in d[f"{flow}Rules"]
                          for v in (r.get(key) if isinstance(r.get(key), list) else [r.get(key)])]
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(),
        "SecurityGroupIds": filters.field("SecurityGroupId"),
        "SecurityGroupNames": filters.field("SecurityGroupName"),
        "Descriptions": filters.field("Description"), "NetIds": filters.field("NetId"),
        "AccountIds": filters.field("AccountId"),
        "InboundRuleIpRanges": rules("Inbound", "IpRanges"),
        "InboundRuleProtocols": rules("Inbound", "IpProtocol"),
        "InboundRuleFromPortRanges": rules("Inbound", "FromPortRange"),
        "InboundRuleToPortRanges": rules("Inbound", "ToPortRange"),
        "OutboundRuleIpRanges": rules("Outbound", "IpRanges"),
        "OutboundRuleProtocols": rules("Outbound", "IpProtocol"),
    })
    return filters.paginate([public(d) for d in items], body, "SecurityGroups")


@operation("DeleteSecurityGroup")
def delete_security_group(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        if body.get("SecurityGroupId"):
            group = get_owned(ctx, tx, "security_group", body["SecurityGroupId"])
        elif body.get("SecurityGroupName"):
            match = [g for g in owned(ctx, tx, "security_group")
                     if g["SecurityGroupName"] == body["SecurityGroupName"]]
            if not match:
                raise ApiError(400, 5020, f"The security group "
                                          f"'{body['SecurityGroupName']}' does not exist.")
            group = match[0]
        else:
            raise missing_set("DeleteSecurityGroup needs SecurityGroupId or "
                                      "SecurityGroupName.")
        users = [vm["VmId"] for vm in owned(ctx, tx, "vm") if vm["State"] != "terminated"
                 and any(g["SecurityGroupId"] == group["_id"] for g in vm["SecurityGroups"])]
        if users:
            raise bad_state(6003, f"Security group {group['_id']} is used by "
                                  f"{', '.join(users)}; delete or update those VMs first.")
        tx.delete(group["_id"])
    return {}
