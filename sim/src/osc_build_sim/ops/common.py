"""Helpers shared by the operation modules: lookups, ownership, tags."""

from __future__ import annotations

from ..errors import ApiError, not_found
from ..store import Tx
from . import Ctx

# kind -> (id prefix, OAPI ResourceType, no-such code, human name)
KINDS = {
    "vm": ("i", "vm", 5063, "VM"),
    "image": ("ami", "image", 5023, "OMI"),
    "volume": ("vol", "volume", 5064, "volume"),
    "snapshot": ("snap", "snapshot", 5054, "snapshot"),
    "keypair": ("key", "keypair", 5071, "keypair"),
    "security_group": ("sg", "security-group", 5020, "security group"),
    "public_ip": ("eipalloc", "public-ip", 5025, "public IP"),
    "net": ("vpc", "net", 5065, "Net"),
    "subnet": ("subnet", "subnet", 5057, "Subnet"),
}
PREFIXES = {prefix: kind for kind, (prefix, *_rest) in KINDS.items()}


def base_doc(ctx: Ctx, kind: str, ident: str) -> dict:
    return {"_id": ident, "_kind": kind, "_region": ctx.region, "_owner": ctx.account_id}


def owned(ctx: Ctx, tx: Tx, kind: str) -> list[dict]:
    return [d for d in tx.list(kind, ctx.region) if d["_owner"] == ctx.account_id]


def same_client_token(ctx: Ctx, tx: Tx, kind: str, body: dict) -> dict | None:
    """The resource an earlier call with this ClientToken created (spec: "a unique
    identifier which enables you to manage the idempotency"), if any."""
    token = body.get("ClientToken")
    if not token:
        return None
    return next((d for d in owned(ctx, tx, kind) if d.get("ClientToken") == token), None)


def get_owned(ctx: Ctx, tx: Tx, kind: str, ident: str) -> dict:
    doc = tx.get(kind, ident)
    if doc is None or doc["_owner"] != ctx.account_id or doc["_region"] != ctx.region:
        _prefix, _type, code, what = KINDS[kind]
        raise not_found(code, what, ident)
    return doc


def kind_of(ident: str) -> str:
    kind = PREFIXES.get(ident.split("-", 1)[0])
    if kind is None:
        raise ApiError(400, 4104, f"The ID '{ident}' does not have a known resource prefix.")
    return kind


def set_tags(doc: dict, tags: list[dict]) -> None:
    current = {t["Key"]: t["Value"] for t in doc.get("Tags", [])}
    current.update({t["Key"]: t["Value"] for t in tags})
    doc["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(current.items())]


def remove_tags(doc: dict, tags: list[dict]) -> None:
    def doomed(tag: dict) -> bool:
        return any(t["Key"] == tag["Key"] and t.get("Value", "") in ("", tag["Value"])
                   for t in tags)
    doc["Tags"] = [t for t in doc.get("Tags", []) if not doomed(t)]


def permissions(doc: dict, key: str, change: dict | None) -> None:
    """Apply ``{Additions, Removals}`` to a ``{AccountIds, GlobalPermission}`` field."""
    if not change:
        return
    perms = doc.setdefault(key, {"AccountIds": [], "GlobalPermission": False})
    if add := change.get("Additions"):
        perms["AccountIds"] = sorted(set(perms["AccountIds"]) | set(add.get("AccountIds", [])))
        if add.get("GlobalPermission"):
            perms["GlobalPermission"] = True
    if remove := change.get("Removals"):
        perms["AccountIds"] = sorted(set(perms["AccountIds"]) - set(remove.get("AccountIds", [])))
        if remove.get("GlobalPermission"):
            perms["GlobalPermission"] = False


def shared_with(doc: dict, key: str, account_id: str) -> bool:
    perms = doc.get(key, {})
    return (doc["_owner"] == account_id or perms.get("GlobalPermission", False)
            or account_id in perms.get("AccountIds", []))
