"""What dead runs left in OOS: temporary buckets and exported objects of ``omi_regions``.

Before its export, a build tags its OMI with ``osc-build:oos-export =
BUCKET/PREFIX`` and journals the bucket it is about to create; it then marks
what it puts in OOS with an object whose metadata carries the run's marks
(``osc_build_outscale.cloud.oos.MARKER``). So OOS is only searched for runs
that exported (no bucket listing, no boto3 import otherwise), and only where
they said: a temporary bucket ``osc-build-<run id>-<random>`` the run named,
or, in the user's own bucket, a prefix holding that run's marker (never other
objects of that bucket).
"""

from __future__ import annotations

from typing import Any

from osc_build.journal import JournalEntry
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import oos
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.leftovers.find import Leftover
from osc_build_outscale.leftovers.journals import run_tags

BUCKET_PREFIX = "osc-build-"
Export = tuple[str, str, dict[str, str]]  # run id, "BUCKET/PREFIX", what is known of the run


def exports(found: list[Leftover], dead: list[JournalEntry], region: str) -> list[Export]:
    """Where the runs found in ``region`` (by tags or by journal) exported to, if anywhere."""
    refs: list[Export] = [
        (item.run_id, item.tags[tagging.OOS_EXPORT_TAG], item.tags) for item in found
        if item.region == region and item.tags.get(tagging.OOS_EXPORT_TAG)]
    for entry in dead:
        tags = run_tags(entry)
        refs += [(entry.run_id, f"{r['id']}/" if r["kind"] == "OOS bucket" else r["id"], tags)
                 for r in entry.resources if r.get("region") == region
                 and r.get("kind") in ("OOS bucket", "exported objects")]
        refs += [(entry.run_id, f"{i.get('name', '')}/", tags) for i in entry.intents
                 if i.get("intent") == "OOS bucket" and i.get("region") == region]
    return refs


def find(s3: Any, region: str, endpoint: str, refs: list[Export]) -> list[Leftover]:
    found: dict[str, Leftover] = {}
    for run_id, ref, tags in refs:
        bucket, _, prefix = ref.partition("/")
        tags = {k: v for k, v in tags.items() if k != tagging.OWN_SNAPSHOTS_TAG}
        if bucket.startswith(f"{BUCKET_PREFIX}{run_id}-"):  # the run's own, named by it
            if bucket not in found and oos.bucket_exists(s3, bucket):
                found[bucket] = Leftover("OOS bucket", bucket, region, tags,
                                         {"Endpoint": endpoint})
        elif ref not in found and oos.bucket_exists(s3, bucket):
            marks = oos.read_marker(s3, bucket, prefix) or {}
            if marks.get(tagging.RUN_ID_TAG) == run_id:
                found[ref] = Leftover("exported objects", ref, region, {**tags, **marks},
                                      {"Endpoint": endpoint})
    return list(found.values())


def delete(client: OscClient, item: Leftover) -> None:
    s3 = oos.s3_client(item.details["Endpoint"], client.credentials)
    if item.kind == "OOS bucket":
        oos.delete_bucket(s3, item.id)
    else:
        bucket, _, prefix = item.id.partition("/")
        oos.delete_prefix(s3, bucket, prefix)
