"""From user filter names and values to OAPI Filters, plus checks on the answers."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from osc_build_outscale.errors import FilterError

from .kinds import BOOLEAN, INTEGERS, ResourceKind


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
    # names that the OAPI Filters alone cannot express (checked on the answers)
    answer_only: list[str] = field(default_factory=list)

    def matches(self, item: dict) -> bool:
        return all(check(item) for check in self.checks)

    def add_defaults(self, defaults: Mapping[str, Any]) -> None:
        """OAPI filters for the fields the user left unset, e.g. ``States``."""
        for oapi, values in defaults.items():
            if oapi not in self.filters:
                self.filters[oapi] = values
                self.shown.append(_shown(oapi, values))

    def describe(self) -> str:
        return ", ".join(self.shown) if self.shown else "no filter"


def merge_filters(filters: Mapping[str, Any] | None, blocks: Iterable[Any] | None,
                  *, where: str) -> list[tuple[str, Any]]:
    """The ``filters`` map followed by the repeatable ``filter { name, value }`` blocks.

    A block is raw data (a mapping) or loaded options (``name`` and ``value`` attributes).
    """
    pairs = list((filters or {}).items())
    for index, block in enumerate(blocks or []):
        pair = _name_and_value(block)
        if pair is None:
            raise FilterError(f"{where}: filter[{index}]: a filter block needs exactly "
                              '`name` and `value`, as in filter { name = "image-name", '
                              'value = "Debian-12-*" }')
        pairs.append(pair)
    return pairs


def _name_and_value(block: Any) -> tuple[str, Any] | None:
    if isinstance(block, Mapping):
        return (block["name"], block["value"]) if set(block) == {"name", "value"} else None
    if hasattr(block, "name") and hasattr(block, "value"):
        return block.name, block.value
    return None


def build_query(kind: ResourceKind, filters: Mapping[str, Any] | Iterable[tuple[str, Any]],
                *, where: str) -> Query:
    """Translate user filter names and values; raise :class:`FilterError` on bad ones."""
    pairs = list(filters.items()) if isinstance(filters, Mapping) else list(filters)
    query = Query(kind, {})
    tag_values: dict[str, list[str]] = {}
    for name, value in pairs:
        name = str(name)
        values = _values(value, where=f"{where}: filter {name!r}")
        query.shown.append(_shown(name, values))
        if name.startswith("tag:") and len(name) > 4:
            tag_values.setdefault(name[4:], []).extend(values)
        elif name in kind.client_side:
            query.checks.append(_field_check(kind.client_side[name], values))
            query.answer_only.append(name)
        else:
            oapi = kind.aliases.get(name, name)
            if oapi not in kind.fields:
                raise FilterError(_unknown(kind, name, where))
            _add(query.filters, oapi, kind.fields[oapi], values, where=f"{where}: filter {name!r}")
    for key, values in tag_values.items():
        query.filters.setdefault("Tags", []).extend(f"{key}={v}" for v in values)
        query.checks.append(_tag_check(key, values))
    if len(tag_values) > 1:  # the API ORs the Tags list: only the answers can AND them
        query.answer_only.extend(f"tag:{key}" for key in tag_values)
    return query


def build_filters(kind: ResourceKind, filters: Mapping[str, Any] | Iterable[tuple[str, Any]],
                  *, where: str) -> dict[str, Any]:
    """The OAPI ``Filters`` alone; refuses what only :func:`search` can apply."""
    query = build_query(kind, filters, where=where)
    if query.answer_only:
        raise FilterError(f"{where}: {', '.join(query.answer_only)} cannot be sent to the API "
                          "as OAPI Filters (no such field, or several tag:KEY filters, which "
                          "the API would OR); this option takes OAPI-expressible filters only")
    return query.filters


def _shown(name: str, values: Any) -> str:
    if isinstance(values, list) and len(values) == 1:
        values = values[0]
    return f"{name} = {values}"


def _values(value: Any, *, where: str) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items or any(isinstance(v, dict | list | tuple) or v is None for v in items):
        raise FilterError(f"{where}: expected a string or a list of strings, got {value!r}")
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _add(out: dict[str, Any], oapi: str, type_: str, values: list[str], *, where: str) -> None:
    if type_ == BOOLEAN:
        if len(values) != 1 or values[0].lower() not in ("true", "false"):
            raise FilterError(f"{where}: {oapi} takes one value, true or false; got {values}")
        if oapi in out and out[oapi] != (values[0].lower() == "true"):
            raise FilterError(f"{where}: {oapi} is given both true and false; keep one")
        out[oapi] = values[0].lower() == "true"
        return
    if type_ == INTEGERS:
        try:
            converted: list[Any] = [int(v) for v in values]
        except ValueError:
            raise FilterError(f"{where}: {oapi} takes whole numbers (no wildcard); "
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


def owner_queries(query: Query, owners: Sequence[str], *, account_id: str | None,
                  where: str) -> list[dict[str, Any]]:
    """One ``Filters`` per kind of owner (ids, aliases): the API would AND them, we OR them."""
    if not owners:
        return [query.filters]
    if "AccountIds" not in query.kind.fields:
        raise FilterError(f"{where}: owners apply to OMIs only, not to {query.kind.label}s")
    ids, aliases = [], []
    for owner in owners:
        owner = str(owner).strip()
        if owner == "self":
            if account_id is None:
                raise FilterError(f"{where}: owner 'self' needs the caller's account id")
            ids.append(account_id)
        elif owner.isdigit():
            ids.append(owner)
        elif owner:
            aliases.append(owner)
        else:
            raise FilterError(f"{where}: owners: an empty owner; use account ids, aliases such "
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
