"""Tags: OAPI's list form, and legacy ``{{ }}`` templates rendered with build info."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud.waits import is_not_found
from osc_build_outscale.errors import CloudError

# Every temporary resource carries these, so that `osc-build leftovers` can find,
# attribute and safely delete what a crashed or killed build left behind.
RUN_ID_TAG = "osc-build:run-id"
TEMPORARY_TAG = "osc-build:temporary"  # removed when a resource becomes the artifact
BUILDER_TAG = "osc-build:builder"
BUILD_TAG = "osc-build:build"  # the source, "type.name"
TEMPLATE_TAG = "osc-build:template"  # the template's directory
CREATED_TAG = "osc-build:created"  # ISO 8601, UTC
VERSION_TAG = "osc-build:version"
HOST_TAG = "osc-build:host"
PID_TAG = "osc-build:pid"  # with the host: is the build still running?
HEARTBEAT_TAG = "osc-build:heartbeat"  # refreshed while the build runs (cloud.heartbeat)
# On an OMI made from a VM: its snapshots were made by the cloud, untagged, and are its own.
OWN_SNAPSHOTS_TAG = "osc-build:own-snapshots"
# On the OMI a build exports (omi_regions): "BUCKET/PREFIX", where its OOS leftovers may be.
OOS_EXPORT_TAG = "osc-build:oos-export"


def temporary_tags(ctx) -> dict[str, str]:
    """What marks a resource as a build's temporary one, and says whose and since when."""
    import os
    import socket
    from datetime import UTC, datetime

    import osc_build

    return {RUN_ID_TAG: ctx.run_id, TEMPORARY_TAG: "true", BUILDER_TAG: ctx.builder,
            BUILD_TAG: ctx.name, TEMPLATE_TAG: str(ctx.template_dir),
            CREATED_TAG: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            VERSION_TAG: osc_build.__version__, HOST_TAG: socket.gethostname(),
            PID_TAG: str(os.getpid())}


def mark_temporary(ctx, client: OscClient, resource_ids: Sequence[str],
                   **extra: str) -> None:
    """Tag ``resource_ids`` as ``ctx``'s temporary resources (call right after creating).

    One already gone (a VM that failed to boot takes its volumes along) needs no tag.
    """
    from osc_build_outscale.cloud import heartbeat

    tags = {**temporary_tags(ctx), **extra}
    try:
        apply(client, resource_ids, tags)
    except CloudError as err:
        if not is_not_found(err):
            raise
        for resource_id in resource_ids:  # tag those still there, one by one
            try:
                apply(client, [resource_id], tags)
            except CloudError as one:
                if not is_not_found(one):
                    raise
    heartbeat.beat_on(ctx, client, list(resource_ids), beat)


def beat(client: OscClient, resource_ids: list[str]) -> None:
    """Refresh the heartbeat tag of a running build's resources."""
    from osc_build_outscale.cloud.heartbeat import now_stamp

    apply(client, resource_ids, {HEARTBEAT_TAG: now_stamp()})


MARKS = (RUN_ID_TAG, TEMPORARY_TAG, BUILDER_TAG, BUILD_TAG, TEMPLATE_TAG, CREATED_TAG,
         VERSION_TAG, HOST_TAG, PID_TAG, OWN_SNAPSHOTS_TAG, HEARTBEAT_TAG, OOS_EXPORT_TAG)


def unmark_temporary(client: OscClient, resource_ids: Sequence[str]):
    """A callable that drops our marks from a kept artifact (``on_keep``): it is the user's
    now, with the user's tags only, and never a leftover. (An empty Value: any value.)"""
    return lambda: client.call("DeleteTags", ResourceIds=list(resource_ids),
                               Tags=[{"Key": key, "Value": ""} for key in MARKS])


def render(tags: Mapping[str, str], build_info: Mapping[str, Any]) -> dict[str, str]:
    from osc_build.template.legacy import interpolate

    return {interpolate(k, build_info): interpolate(str(v), build_info) for k, v in tags.items()}


def as_oapi(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def apply(client: OscClient, resource_ids: Sequence[str], tags: Mapping[str, str]) -> None:
    if tags and resource_ids:
        client.call("CreateTags", ResourceIds=list(resource_ids), Tags=as_oapi(tags))
