"""Tags: OAPI's list form, and legacy ``{{ }}`` templates rendered with build info."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from osc_build_outscale.client import OscClient

# Every temporary resource carries these, so leaks can be found after a crash.
RUN_ID_TAG = "osc-build:run-id"


def render(tags: Mapping[str, str], build_info: Mapping[str, Any]) -> dict[str, str]:
    from osc_build.template.legacy import interpolate

    return {interpolate(k, build_info): interpolate(str(v), build_info) for k, v in tags.items()}


def as_oapi(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def apply(client: OscClient, resource_ids: Sequence[str], tags: Mapping[str, str]) -> None:
    if tags and resource_ids:
        client.call("CreateTags", ResourceIds=list(resource_ids), Tags=as_oapi(tags))
