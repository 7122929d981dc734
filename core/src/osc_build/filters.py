"""One filter engine for OMIs, Nets, Subnets and security groups.

Templates write filters the Packer/EC2 way (``image-name``, ``tag:Env``,
``vpc-id``), the Go plugin's way (``account-alias``, ``security_group_ids``) or
with the OAPI names themselves (``ImageNames``). Each name maps to one OAPI
``Filters`` field, sent to the API; a few have no OAPI field and are checked
on the answers instead. Semantics, as the API applies them:

- a filter's value is a string or a list of strings (any may match); strings
  match with ``*`` as "any sequence", anchored and case-sensitive;
- different filters must all match; several ``tag:KEY`` filters must all
  match too (the API alone would accept any of them, so they are re-checked);
- ``owners`` (OMIs only) accepts account ids, aliases such as ``Outscale`` and
  ``self`` (the caller's account); any owner may match;
- an unknown filter name is an error that lists the valid ones.

Use :func:`search` to list what matches and :func:`select_one` for a single
resource (``most_recent`` picks the latest ``CreationDate``).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from osc_build.errors import ConfigError

log = logging.getLogger(__name__)

STRINGS, INTEGERS, BOOLEAN = "strings", "integers", "boolean"
_TAGS = {"TagKeys": STRINGS, "TagValues": STRINGS, "Tags": STRINGS}
_TAG_ALIASES = {"tag-key": "TagKeys", "tag-value": "TagValues", "tag_keys": "TagKeys",
                "tag_values": "TagValues", "tags": "Tags"}


@dataclass(frozen=True, eq=False)
class ResourceKind:
    """A filterable resource: its Read operation, OAPI filter fields and accepted aliases."""

    label: str
    operation: str
    key: str
    id_field: str
    name_field: str
    fields: Mapping[str, str]
    aliases: Mapping[str, str]
    # user name -> resource field compared on the answers (no OAPI filter exists)
    client_side: Mapping[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Every filter name a template may use, besides ``tag:KEY``."""
        return sorted({*self.fields, *self.aliases, *self.client_side})


IMAGE = ResourceKind(
    "OMI", "ReadImages", "Images", "ImageId", "ImageName",
    fields={**dict.fromkeys((
        "AccountAliases", "AccountIds", "Architectures", "BlockDeviceMappingDeviceNames",
        "BlockDeviceMappingSnapshotIds", "BlockDeviceMappingVolumeTypes", "BootModes",
        "Descriptions", "FileLocations", "Hypervisors", "ImageIds", "ImageNames",
        "PermissionsToLaunchAccountIds", "ProductCodeNames", "ProductCodes", "RootDeviceNames",
        "RootDeviceTypes", "States", "VirtualizationTypes"), STRINGS),
        "BlockDeviceMappingVolumeSizes": INTEGERS,
        **dict.fromkeys(("BlockDeviceMappingDeleteOnVmDeletion",
                         "PermissionsToLaunchGlobalPermission", "SecureBoot", "TpmMandatory"),
                        BOOLEAN),
        **_TAGS},
    aliases={
        "image-name": "ImageNames", "name": "ImageNames", "image-id": "ImageIds",
        "owner-alias": "AccountAliases", "account-alias": "AccountAliases",
        "owner-id": "AccountIds", "account-id": "AccountIds", "state": "States",
        "description": "Descriptions", "architecture": "Architectures",
        "root-device-type": "RootDeviceTypes", "root-device-name": "RootDeviceNames",
        "virtualization-type": "VirtualizationTypes", "hypervisor": "Hypervisors",
        "is-public": "PermissionsToLaunchGlobalPermission", "product-code": "ProductCodes",
        "product-code-name": "ProductCodeNames", "boot-mode": "BootModes",
        "block-device-mapping.device-name": "BlockDeviceMappingDeviceNames",
        "block-device-mapping.snapshot-id": "BlockDeviceMappingSnapshotIds",
        "block-device-mapping.volume-size": "BlockDeviceMappingVolumeSizes",
        "block-device-mapping.volume-type": "BlockDeviceMappingVolumeTypes",
        "block-device-mapping.delete-on-termination": "BlockDeviceMappingDeleteOnVmDeletion",
        "launch-permission": "PermissionsToLaunchAccountIds", "secure-boot": "SecureBoot",
        "tpm-mandatory": "TpmMandatory", **_TAG_ALIASES},
    client_side={"creation-date": "CreationDate", "image-type": "ImageType"},
)

NET = ResourceKind(
    "Net", "ReadNets", "Nets", "NetId", "NetId",
    fields={"DhcpOptionsSetIds": STRINGS, "IpRanges": STRINGS, "IsDefault": BOOLEAN,
            "NetIds": STRINGS, "States": STRINGS, **_TAGS},
    aliases={"net-id": "NetIds", "vpc-id": "NetIds", "ip-range": "IpRanges",
             "cidr": "IpRanges", "cidr-block": "IpRanges", "state": "States",
             "dhcp-options-set-id": "DhcpOptionsSetIds", "dhcp-options-id": "DhcpOptionsSetIds",
             "is-default": "IsDefault", **_TAG_ALIASES},
)

SUBNET = ResourceKind(
    "Subnet", "ReadSubnets", "Subnets", "SubnetId", "SubnetId",
    fields={"AvailableIpsCounts": INTEGERS, "IpRanges": STRINGS, "NetIds": STRINGS,
            "States": STRINGS, "SubnetIds": STRINGS, "SubregionNames": STRINGS, **_TAGS},
    aliases={"subnet-id": "SubnetIds", "subnet-ids": "SubnetIds", "net-id": "NetIds",
             "net-ids": "NetIds", "vpc-id": "NetIds", "ip-range": "IpRanges",
             "ip-ranges": "IpRanges", "cidr": "IpRanges", "cidr-block": "IpRanges",
             "state": "States", "states": "States", "sub-region-names": "SubregionNames",
             "subregion-name": "SubregionNames", "availability-zone": "SubregionNames",
             "available-ips-counts": "AvailableIpsCounts",
             "available-ip-address-count": "AvailableIpsCounts", **_TAG_ALIASES},
)

SECURITY_GROUP = ResourceKind(
    "security group", "ReadSecurityGroups", "SecurityGroups", "SecurityGroupId",
    "SecurityGroupName",
    fields={**dict.fromkeys((
        "Descriptions", "InboundRuleAccountIds", "InboundRuleIpRanges", "InboundRuleProtocols",
        "InboundRuleSecurityGroupIds", "InboundRuleSecurityGroupNames", "NetIds",
        "OutboundRuleAccountIds", "OutboundRuleIpRanges", "OutboundRuleProtocols",
        "OutboundRuleSecurityGroupIds", "OutboundRuleSecurityGroupNames", "SecurityGroupIds",
        "SecurityGroupNames"), STRINGS),
        **dict.fromkeys(("InboundRuleFromPortRanges", "InboundRuleToPortRanges",
                         "OutboundRuleFromPortRanges", "OutboundRuleToPortRanges"), INTEGERS),
        **_TAGS},
    aliases={"group-id": "SecurityGroupIds", "security_group_ids": "SecurityGroupIds",
             "security-group-id": "SecurityGroupIds", "group-name": "SecurityGroupNames",
             "security_group_names": "SecurityGroupNames",
             "security-group-name": "SecurityGroupNames", "description": "Descriptions",
             "net-id": "NetIds", "vpc-id": "NetIds",
             "ip-permission.cidr": "InboundRuleIpRanges",
             "ip-permission.protocol": "InboundRuleProtocols",
             "ip-permission.from-port": "InboundRuleFromPortRanges",
             "ip-permission.to-port": "InboundRuleToPortRanges",
             "egress.ip-permission.cidr": "OutboundRuleIpRanges", **_TAG_ALIASES},
    client_side={"owner-id": "AccountId"},
)

KINDS = (IMAGE, NET, SUBNET, SECURITY_GROUP)


def glob_match(candidate: object, wanted: str) -> bool:
    """The API's matching: ``*`` is any sequence, anchored, case-sensitive."""
    text = str(candidate).lower() if isinstance(candidate, bool) else str(candidate)
    if "*" not in wanted:
        return text == wanted
    regex = ".*".join(re.escape(part) for part in wanted.split("*"))
    return re.fullmatch(regex, text, re.DOTALL) is not None


def _tag_check(key: str, values: list[str]) -> Callable[[dict], bool]:
    def check(item: dict) -> bool:
        return any(glob_match(tag.get("Key", ""), key) and glob_match(tag.get("Value", ""), v)
                   for tag in item.get("Tags") or [] for v in values)
    return check


def _field_check(name: str, values: list[str]) -> Callable[[dict], bool]:
    def check(item: dict) -> bool:
        return item.get(name) is not None and any(glob_match(item[name], v) for v in values)
    return check


@dataclass
class Query:
    """OAPI filters to send, checks to apply to the answers, and a description for errors."""

    kind: ResourceKind
    filters: dict[str, Any]
    checks: list[Callable[[dict], bool]] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)

    def matches(self, item: dict) -> bool:
        return all(check(item) for check in self.checks)

    def describe(self) -> str:
        return ", ".join(self.shown) if self.shown else "no filter"


def merge_filters(filters: Mapping[str, Any] | None, blocks: Iterable[Mapping[str, Any]] | None,
                  *, where: str) -> list[tuple[str, Any]]:
    """The ``filters`` map followed by the repeatable ``filter { name, value }`` blocks."""
    pairs = list((filters or {}).items())
    for index, block in enumerate(blocks or []):
        if not isinstance(block, Mapping) or set(block) != {"name", "value"}:
            raise ConfigError(f"{where}: filter[{index}]: a filter block needs exactly "
                              '`name` and `value`, as in filter { name = "image-name", '
                              'value = "Debian-12-*" }')
        pairs.append((block["name"], block["value"]))
    return pairs


def build_query(kind: ResourceKind, filters: Mapping[str, Any] | Iterable[tuple[str, Any]],
                *, where: str) -> Query:
    """Translate user filter names and values; raise :class:`ConfigError` on bad ones."""
    pairs = list(filters.items()) if isinstance(filters, Mapping) else list(filters)
    query = Query(kind, {})
    tag_values: dict[str, list[str]] = {}
    for name, value in pairs:
        name = str(name)
        values = _values(value, where=f"{where}: filter {name!r}")
        query.shown.append(f"{name} = {values[0] if len(values) == 1 else values}")
        if name.startswith("tag:") and len(name) > 4:
            tag_values.setdefault(name[4:], []).extend(values)
        elif name in kind.client_side:
            query.checks.append(_field_check(kind.client_side[name], values))
        else:
            oapi = kind.aliases.get(name, name)
            if oapi not in kind.fields:
                raise ConfigError(_unknown(kind, name, where))
            _add(query.filters, oapi, kind.fields[oapi], values, where=f"{where}: filter {name!r}")
    for key, values in tag_values.items():
        query.filters.setdefault("Tags", []).extend(f"{key}={v}" for v in values)
        query.checks.append(_tag_check(key, values))
    return query


def build_filters(kind: ResourceKind, filters: Mapping[str, Any] | Iterable[tuple[str, Any]],
                  *, where: str) -> dict[str, Any]:
    """Only the OAPI ``Filters`` part of :func:`build_query` (see :func:`search` for the rest)."""
    return build_query(kind, filters, where=where).filters


def _values(value: Any, *, where: str) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items or any(isinstance(v, dict | list | tuple) or v is None for v in items):
        raise ConfigError(f"{where}: expected a string or a list of strings, got {value!r}")
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _add(out: dict[str, Any], oapi: str, type_: str, values: list[str], *, where: str) -> None:
    if type_ == BOOLEAN:
        if len(values) != 1 or values[0].lower() not in ("true", "false"):
            raise ConfigError(f"{where}: {oapi} takes one value, true or false; got {values}")
        if oapi in out and out[oapi] != (values[0].lower() == "true"):
            raise ConfigError(f"{where}: {oapi} is given both true and false; keep one")
        out[oapi] = values[0].lower() == "true"
        return
    if type_ == INTEGERS:
        try:
            converted: list[Any] = [int(v) for v in values]
        except ValueError:
            raise ConfigError(f"{where}: {oapi} takes whole numbers (no wildcard); "
                              f"got {values}") from None
    else:
        converted = values
    out.setdefault(oapi, []).extend(v for v in converted if v not in out.get(oapi, []))


def _unknown(kind: ResourceKind, name: str, where: str) -> str:
    valid = kind.names()
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (f"{where}: unknown {kind.label} filter {name!r}{hint}; valid names: "
            f"{', '.join(valid)}, and tag:KEY")


# Owners, searching and choosing.

def owner_queries(query: Query, owners: Sequence[str], *, account_id: str | None,
                  where: str) -> list[dict[str, Any]]:
    """One ``Filters`` per kind of owner (ids, aliases): the API would AND them, we OR them."""
    if not owners:
        return [query.filters]
    ids, aliases = [], []
    for owner in owners:
        owner = str(owner).strip()
        if owner == "self":
            if account_id is None:
                raise ConfigError(f"{where}: owner 'self' needs the caller's account id")
            ids.append(account_id)
        elif owner.isdigit():
            ids.append(owner)
        elif owner:
            aliases.append(owner)
        else:
            raise ConfigError(f"{where}: owners: an empty owner; use account ids, aliases such "
                              "as 'Outscale', or 'self'")
    query.shown.append(f"owners = {list(owners)}")
    out = []
    for oapi, values in (("AccountIds", ids), ("AccountAliases", aliases)):
        if values:
            narrowed = dict(query.filters)
            if oapi in narrowed:  # both given: the API ANDs them, so keep the intersection
                narrowed[oapi] = [v for v in narrowed[oapi] if any(glob_match(v, w)
                                                                 for w in values)]
                if not narrowed[oapi]:
                    continue
            else:
                narrowed[oapi] = values
            out.append(narrowed)
    return out


def caller_account_id(client) -> str:
    """The account the credentials belong to, for ``owners = ["self"]``."""
    accounts = client.call("ReadAccounts").get("Accounts") or []
    if not accounts:
        raise ConfigError("owner 'self': ReadAccounts returned no account for these credentials;"
                          " give the account id instead")
    return accounts[0]["AccountId"]


def search(client, kind: ResourceKind, filters: Mapping[str, Any] | Iterable[tuple[str, Any]],
           *, owners: Sequence[str] = (), where: str) -> tuple[list[dict], Query]:
    """Every resource matching the filters (and any owner), oldest first; and the query."""
    query = build_query(kind, filters, where=where)
    account_id = caller_account_id(client) if "self" in owners else None
    found: dict[str, dict] = {}
    for oapi_filters in owner_queries(query, owners, account_id=account_id, where=where):
        log.debug("%s: %s with Filters %s", where, kind.operation, oapi_filters)
        for item in client.paginate(kind.operation, kind.key, Filters=oapi_filters or None):
            if query.matches(item):
                found.setdefault(item[kind.id_field], item)
    # Same date (a catalogue published at once): the name, which embeds a version, decides.
    items = sorted(found.values(), key=lambda i: (i.get("CreationDate", ""),
                                                  str(i.get(kind.name_field, "")),
                                                  i[kind.id_field]))
    return items, query


def select_one(client, kind: ResourceKind,
               filters: Mapping[str, Any] | Iterable[tuple[str, Any]], *,
               owners: Sequence[str] = (), most_recent: bool = False, where: str) -> dict:
    """The single matching resource (the latest with ``most_recent``), or a ConfigError."""
    items, query = search(client, kind, filters, owners=owners, where=where)
    if not items:
        near = _near_misses(client, kind, query, owners)
        hint = (f"; {'the closest ' if len(near) > 1 else ''}{kind.label}s of these owners: "
                f"{describe_items(kind, near)}" if near else f"; no {kind.label} is visible for "
                "these owners")
        raise ConfigError(f"{where}: no {kind.label} matches {query.describe()}{hint}; check "
                          "the names, owners and wildcards (`*`, case-sensitive)")
    if len(items) > 1 and not most_recent:
        raise ConfigError(f"{where}: {len(items)} {kind.label}s match {query.describe()}: "
                          f"{describe_items(kind, items[::-1])}; narrow the filters"
                          + ("" if kind is not IMAGE else " or set most_recent = true"))
    return items[-1]


def _near_misses(client, kind: ResourceKind, query: Query, owners: Sequence[str],
                 limit: int = 5) -> list[dict]:
    """What the owners do have, closest names to the wanted one first, for the error."""
    if kind is IMAGE and not owners:
        return []  # the whole public catalogue would say nothing useful
    candidates, _ = search(client, kind, {}, owners=owners, where="candidates")
    wanted = [v for v in query.filters.get("ImageNames", []) if kind is IMAGE]
    if not wanted:
        return candidates[::-1][:limit]

    def closeness(item: dict) -> float:
        name = str(item.get(kind.name_field, ""))
        return max(difflib.SequenceMatcher(None, w.replace("*", ""), name).ratio()
                   for w in wanted)
    return sorted(candidates, key=closeness, reverse=True)[:limit]


def describe_items(kind: ResourceKind, items: Sequence[dict], limit: int = 5) -> str:
    """A few resources by id, name and date, for error messages."""
    shown = []
    for item in items[:limit]:
        text = item[kind.id_field]
        if kind.name_field != kind.id_field and item.get(kind.name_field):
            text += f" ({item[kind.name_field]}"
            if item.get("CreationDate"):
                text += f", {item['CreationDate']}"
            if item.get("AccountAlias") or item.get("AccountId"):
                text += f", owner {item.get('AccountAlias') or item.get('AccountId')}"
            text += ")"
        shown.append(text)
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return "; ".join(shown) + more
