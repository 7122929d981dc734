"""Resources a dead build tracked but never tagged: killed between the create and the tag.

Core writes each tracked id to a journal on this machine (``osc_build.journal``)
before any API call tags it, and removes the journal when the build ends. For a
journal left by a dead build, each resource that still exists *without* our
run-id tag is a leftover too (with the tag, the tags decide: a kept artifact
has lost them only after its build ended and removed its journal).

A build killed while a create call was on the wire never tracked what the call
made; the journal's *intents* (``osc_build_outscale.cloud.intents``) find it: a
VM, volume or snapshot by the ClientToken the call carried, an OMI by its name
and the run's volumes or snapshots it was made from (never by its name alone: a
later build may have reused the name).
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
         "OMI copy": "image",
         "keypair": "keypair", "security group": "security-group", "public IP": "public-ip"}


def dead_journals(run_ids: list[str]) -> list[JournalEntry]:
    """Journals of builds no longer running here (or named with --run-id)."""
    here = socket.gethostname()
    return [entry for entry in left_behind()
            if entry.run_id in run_ids
            or not (entry.host == here and process_alive(entry.pid))]


def run_tags(entry: JournalEntry) -> dict[str, str]:
    """What a journal says of its run, as the tags a resource of the run would carry."""
    return {tagging.RUN_ID_TAG: entry.run_id, tagging.BUILDER_TAG: entry.builder,
            tagging.BUILD_TAG: entry.build, tagging.HOST_TAG: entry.host,
            tagging.PID_TAG: str(entry.pid)}


def untagged(client: OscClient, entries: list[JournalEntry]) -> list[Leftover]:
    found: list[Leftover] = []
    for entry in entries:
        items = [(resource["kind"], _read(client, TYPES[resource["kind"]], resource["id"]), {})
                 for resource in entry.resources
                 if resource.get("kind") in TYPES and resource.get("region") == client.region]
        items += [(intent["intent"], item, intent)
                  for intent in entry.intents if intent.get("region") == client.region
                  for item in intended(client, intent, entry)]
        known = {item.id for item in found}
        for kind, item, intent in items:
            if item is None or item.get("State") in GONE:
                continue
            tags = {t["Key"]: t["Value"] for t in item.get("Tags") or []}
            ident = item["KeypairName"] if kind == "keypair" else item[READERS[TYPES[kind]][4]]
            if tagging.RUN_ID_TAG in tags or ident in known:
                continue  # tagged: found (or not) by its tags
            known.add(ident)
            kind = READERS[TYPES[kind]][0]  # "OMI copy" (chroot's source copy) is an OMI
            tags = run_tags(entry)
            found.append(Leftover(kind, ident, client.region, tags, item))
            if kind == "VM":  # the volumes it was created with, untagged too
                for mapping in item.get("BlockDeviceMappings") or []:
                    volume_id = (mapping.get("Bsu") or {}).get("VolumeId")
                    volume = _read(client, "volume", volume_id or "")
                    if volume and volume_id not in known and volume.get("State") not in GONE:
                        known.add(volume_id)
                        found.append(Leftover("volume", volume_id, client.region, tags, volume))
            if kind == "OMI":
                imported = [(m.get("Bsu") or {}).get("SnapshotId")
                            for m in item.get("BlockDeviceMappings") or []
                            ] if intent.get("file_location") else []  # all made by the import
                found += [Leftover("snapshot", s, client.region, tags)
                          for s in dict.fromkeys(
                              [*snapshots_of_the_run(client, item, entry.run_id,
                                                     run_volumes(entry)), *imported])
                          if s and s not in known]
                known.update(item.id for item in found)
    return found


def intended(client: OscClient, intent: dict, entry: JournalEntry) -> list[dict]:
    """What a create call journaled as an intent made, if it made anything."""
    kind, run_id = intent.get("intent", ""), entry.run_id
    if kind in ("VM", "volume", "snapshot") and intent.get("token"):
        _kind, operation, key, _filter, _field = READERS[TYPES[kind]]
        return client.call(operation, Filters={"ClientTokens": [intent["token"]]}).get(key) or []
    # No token, no name: only when the run died with this call on the wire (nothing
    # journaled after it), and only the one IP nobody tagged or linked that appeared since.
    if kind == "public IP" and "before" in intent and entry.last == intent:
        new = [ip for ip in client.paginate("ReadPublicIps", "PublicIps")
               if ip["PublicIpId"] not in intent["before"] and not ip.get("Tags")
               and not ip.get("VmId") and not ip.get("LinkPublicIpId")]
        return new if len(new) == 1 else []  # two: whose is which? neither is listed
    name = intent.get("name") or ""
    if kind in ("keypair", "security group") and run_id in name:  # named after the run
        _kind, operation, key, _filter, _field = READERS[TYPES[kind]]
        names = "KeypairNames" if kind == "keypair" else "SecurityGroupNames"
        return [item for item in client.call(operation, Filters={names: [name]}).get(key) or []
                if item.get("KeypairName", item.get("SecurityGroupName")) == name]
    if kind == "OMI" and intent.get("name"):
        return [image for image in client.call("ReadImages", Filters={
                    "ImageNames": [intent["name"]]}).get("Images") or []
                if _made_as_intended(client, image, intent, run_id)]
    return []


def _made_as_intended(client: OscClient, image: dict, intent: dict, run_id: str) -> bool:
    """The OMI of that name made from this run's snapshots, or from its VM's volumes."""
    snapshot_ids = {(m.get("Bsu") or {}).get("SnapshotId")
                    for m in image.get("BlockDeviceMappings") or []} - {None}
    if intent.get("file_location"):  # imported from this run's export
        return (image.get("FileLocation") or "").split("?")[0] == intent["file_location"]
    if intent.get("snapshots"):
        return set(intent["snapshots"]) <= snapshot_ids
    volumes = set(intent.get("volumes") or [])
    if not snapshot_ids:
        return False
    for snapshot_id in snapshot_ids:
        snapshot = _read(client, "snapshot", snapshot_id) or {}
        volume_id = snapshot.get("VolumeId") or ""
        if volume_id in volumes:
            continue
        volume = _read(client, "volume", volume_id) or {}
        if {t["Key"]: t["Value"] for t in volume.get("Tags") or []}.get(
                tagging.RUN_ID_TAG) != run_id:
            return False
    return True


def run_volumes(entry: JournalEntry) -> set[str]:
    """The volumes a run journaled: tracked, or those its VM's OMI was made from (they may be
    gone by now, deleted with the VM by the cleanup the kill interrupted)."""
    return ({r["id"] for r in entry.resources if r.get("kind") == "volume"}
            | {v for intent in entry.intents for v in intent.get("volumes") or []})


def snapshots_of_the_run(client: OscClient, image: dict, run_id: str,
                         volumes: set[str] = frozenset()) -> list[str]:
    """The snapshots of an untagged OMI taken of this run's own volumes (an OMI made from
    the build VM; ``volumes``: those the journal names): a snapshot of anything else (the
    user's snapshot_id) is never ours."""
    own = []
    for mapping in image.get("BlockDeviceMappings") or []:
        snapshot = _read(client, "snapshot", (mapping.get("Bsu") or {}).get("SnapshotId") or "")
        volume_id = (snapshot or {}).get("VolumeId") or ""
        if volume_id and volume_id in volumes:
            own.append(snapshot["SnapshotId"])
            continue
        volume = _read(client, "volume", volume_id)
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
