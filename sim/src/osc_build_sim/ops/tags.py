"""CreateTags, DeleteTags, ReadTags across every taggable resource."""

from __future__ import annotations

from .. import filters
from . import Ctx, operation
from .common import KINDS, get_owned, kind_of, owned, remove_tags, set_tags


def _change(ctx: Ctx, body: dict, apply) -> dict:
    with ctx.sim.store.write() as tx:
        docs = [get_owned(ctx, tx, kind_of(ident), ident) for ident in body["ResourceIds"]]
        for doc in docs:
            apply(doc, body["Tags"])
            tx.put(doc)
    return {}


@operation("CreateTags")
def create_tags(ctx: Ctx, body: dict) -> dict:
    return _change(ctx, body, set_tags)


@operation("DeleteTags")
def delete_tags(ctx: Ctx, body: dict) -> dict:
    return _change(ctx, body, remove_tags)


@operation("ReadTags")
def read_tags(ctx: Ctx, body: dict) -> dict:
    tags = []
    with ctx.sim.store.read() as tx:
        for kind, (_prefix, resource_type, _code, _what) in KINDS.items():
            for doc in owned(ctx, tx, kind):
                tags += [{"Key": t["Key"], "Value": t["Value"], "ResourceId": doc["_id"],
                          "ResourceType": resource_type} for t in doc.get("Tags", [])]
    tags = filters.apply(tags, body.get("Filters"), {
        "Keys": filters.field("Key"), "Values": filters.field("Value"),
        "ResourceIds": filters.field("ResourceId"),
        "ResourceTypes": filters.field("ResourceType"),
    })
    return filters.paginate(tags, body, "Tags")


