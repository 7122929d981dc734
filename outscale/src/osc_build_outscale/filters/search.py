"""Searching with a query: owners, pagination, one result or a helpful error."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from osc_build_outscale.errors import FilterError

from .kinds import IMAGE, ResourceKind
from .query import Query, build_query, owner_queries

log = logging.getLogger(__name__)


def caller_account_id(client) -> str:
    """The account the credentials belong to, for ``owners = ["self"]``."""
    accounts = client.call("ReadAccounts").get("Accounts") or []
    if not accounts:
        raise FilterError("owner 'self': ReadAccounts returned no account for these credentials;"
                          " give the account id instead")
    return accounts[0]["AccountId"]


def search(client, kind: ResourceKind, filters: Mapping[str, Any] | Iterable[tuple[str, Any]],
           *, owners: Sequence[str] = (), defaults: Mapping[str, list] | None = None,
           where: str) -> tuple[list[dict], Query]:
    """Every resource matching the filters (and any owner), oldest first; and the query.

    ``defaults`` are OAPI filters added unless the user's filters set the same field,
    e.g. ``{"States": ["available"]}``.
    """
    query = build_query(kind, filters, where=where)
    query.add_defaults(defaults or {})
    account_id = caller_account_id(client) if "self" in map(str.strip, owners) else None
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
               owners: Sequence[str] = (), most_recent: bool = False,
               defaults: Mapping[str, list] | None = None, where: str) -> dict:
    """The single matching resource (the latest with ``most_recent``), or a FilterError."""
    items, query = search(client, kind, filters, owners=owners, defaults=defaults, where=where)
    if not items:
        near = _near_misses(client, kind, query, owners)
        hint = (f"; {'the closest ' if len(near) > 1 else ''}{kind.label}s of these owners: "
                f"{describe_items(kind, near)}" if near else f"; no {kind.label} is visible for "
                "these owners")
        raise FilterError(f"{where}: no {kind.label} matches {query.describe()}{hint}; check "
                          "the names, owners and wildcards (`*`, case-sensitive)")
    if len(items) > 1 and not most_recent:
        raise FilterError(f"{where}: {len(items)} {kind.label}s match {query.describe()}: "
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
