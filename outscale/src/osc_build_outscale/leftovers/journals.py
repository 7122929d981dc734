"""Resources a dead build tracked but never tagged: killed between the create and the tag.

Core writes each tracked id to a journal on this machine (``osc_build.journal``)
before any API call tags it, and removes the journal when the build ends. For a
journal left by a dead build, each resource that still exists *without* our
run-id tag is a leftover too (with the tag, the tags decide: a kept artifact
has lost them only after its build ended and removed its journal).
"""

from __future__ import annotations

import socket

from osc_build.journal import JournalEntry, left_behind
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.leftovers.find import GONE, READERS, Leftover
from osc_build_outscale.leftovers.runs import process_alive

# The undo log's kinds -> ReadTags' resource types (READERS)
TYPES = {"VM": "vm", "volume": "volume", "snapshot": "snapshot", "OMI": "image",
         "keypair": "keypair", "security group": "security-group", "public IP": "public-ip"}


def dead_journals(run_ids: list[str]) -> list[JournalEntry]:
    """Journals of builds no longer running here (or named with --run-id)."""
    here = socket.gethostname()
    return [entry for entry in left_behind()
            if entry.run_id in run_ids
            or not (entry.host == here and process_alive(entry.pid))]


def untagged(client: OscClient, entries: list[JournalEntry]) -> list[Leftover]:
    found = []
    for entry in entries:
        for resource in entry.resources:
            resource_type = TYPES.get(resource.get("kind", ""))
            if resource_type is None or resource.get("region") != client.region:
                continue
            item = _read(client, resource_type, resource["id"])
            if item is None or item.get("State") in GONE:
                continue
            tags = {t["Key"]: t["Value"] for t in item.get("Tags") or []}
            if tagging.RUN_ID_TAG in tags:
                continue  # tagged: found (or not) by its tags
            tags = {tagging.RUN_ID_TAG: entry.run_id, tagging.BUILDER_TAG: entry.builder,
                    tagging.BUILD_TAG: entry.build, tagging.HOST_TAG: entry.host,
                    tagging.PID_TAG: str(entry.pid)}
            found.append(Leftover(resource["kind"], resource["id"], client.region, tags, item))
            if resource_type == "image":
                found += [Leftover("snapshot", s, client.region, tags)
                          for s in snapshots_of_the_run(client, item, entry.run_id)]
    return found


def snapshots_of_the_run(client: OscClient, image: dict, run_id: str) -> list[str]:
    """The snapshots of an untagged OMI taken of this run's own volumes (an OMI made from
    the build VM): a snapshot of anything else (the user's snapshot_id) is never ours."""
    own = []
    for mapping in image.get("BlockDeviceMappings") or []:
        snapshot = _read(client, "snapshot", (mapping.get("Bsu") or {}).get("SnapshotId") or "")
        volume = _read(client, "volume", (snapshot or {}).get("VolumeId") or "")
        tags = {t["Key"]: t["Value"] for t in (volume or {}).get("Tags") or []}
        if tags.get(tagging.RUN_ID_TAG) == run_id:
            own.append(snapshot["SnapshotId"])
    return own


def _read(client: OscClient, resource_type: str, ident: str) -> dict | None:
    if not ident:
        return None
    _kind, operation, key, id_filter, _field = READERS[resource_type]
    if resource_type == "keypair":
        id_filter = "KeypairNames"  # the undo log knows a keypair by its name
    items = client.call(operation, Filters={id_filter: [ident]}).get(key) or []
    return items[0] if items else None


def forget(entries: list[JournalEntry]) -> None:
    """Remove journals whose runs were cleaned up: nothing of theirs is left."""
    for entry in entries:
        entry.path.unlink(missing_ok=True)
