"""Filters as the OAPI applies them.

Each filter is a list of accepted values (OR within a filter, AND across
filters). Strings match with ``*`` as "any sequence", anchored at both ends and
case-sensitive. Tag filters: ``TagKeys``, ``TagValues``, ``Tags`` (``KEY=VALUE``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable

from .errors import ApiError, invalid

Extractor = Callable[[dict], Iterable]


def _pattern(value: str) -> re.Pattern:
    return re.compile("".join(".*" if part == "*" else re.escape(part)
                              for part in re.split(r"(\*)", value)) + r"\Z", re.DOTALL)


def matches(candidate: object, wanted: object) -> bool:
    if isinstance(wanted, str) and isinstance(candidate, str):
        return candidate == wanted if "*" not in wanted else bool(_pattern(wanted).match(candidate))
    return candidate == wanted


def tag_extractors() -> dict[str, Extractor]:
    return {
        "TagKeys": lambda d: [t["Key"] for t in d.get("Tags", [])],
        "TagValues": lambda d: [t["Value"] for t in d.get("Tags", [])],
        "Tags": lambda d: [f"{t['Key']}={t['Value']}" for t in d.get("Tags", [])],
    }


def field(name: str) -> Extractor:
    def extract(doc: dict) -> list:
        value = doc.get(name)
        return [] if value is None else [value]
    return extract


def apply(items: list[dict], filters: dict | None, extractors: dict[str, Extractor]) -> list[dict]:
    """Keep the items every filter accepts; a filter the simulator lacks is an error."""
    if not filters:
        return items
    checks = []
    for name, wanted in filters.items():
        extractor = extractors.get(name)
        if extractor is None:
            raise ApiError(400, 4023, f"Filters.{name} is valid OAPI but the simulator does not "
                                      "implement it yet; remove it or add it to osc_build_sim")
        values = wanted if isinstance(wanted, list) else [wanted]
        checks.append((extractor, values))
    return [item for item in items
            if all(any(matches(c, w) for c in extractor(item) for w in values)
                   for extractor, values in checks)]


def paginate(items: list, body: dict, key: str) -> dict:
    """One page of ``items`` under ``key``, with ``NextPageToken`` when more remain."""
    per_page = body.get("ResultsPerPage", 1000)
    if not 1 <= per_page <= 1000:
        raise invalid("ResultsPerPage must be between 1 and 1000.", 4047)
    start = 0
    if token := body.get("NextPageToken"):
        try:
            start = int(base64.b64decode(token, validate=True).decode())
        except ValueError:
            raise invalid(f"NextPageToken {token!r} is not a token this API returned.") from None
    page = items[start:start + per_page]
    result = {key: page}
    if start + per_page < len(items):
        result["NextPageToken"] = base64.b64encode(str(start + per_page).encode()).decode()
    return result
