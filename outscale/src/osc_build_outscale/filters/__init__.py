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

from .kinds import (
    BOOLEAN,
    IMAGE,
    INTEGERS,
    KINDS,
    NET,
    SECURITY_GROUP,
    STRINGS,
    SUBNET,
    ResourceKind,
)
from .query import (
    Query,
    build_filters,
    build_query,
    glob_match,
    merge_filters,
    owner_queries,
)
from .search import caller_account_id, describe_items, search, select_one

__all__ = [
    "BOOLEAN", "IMAGE", "INTEGERS", "KINDS", "NET", "SECURITY_GROUP", "STRINGS", "SUBNET",
    "Query", "ResourceKind", "build_filters", "build_query", "caller_account_id",
    "describe_items", "glob_match", "merge_filters", "owner_queries", "search", "select_one",
]
