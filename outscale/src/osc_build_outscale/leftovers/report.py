"""What ``osc-build leftovers`` does once its command line is checked: search, show, delete."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.leftovers import clients, delete, find, journals, mounts, runs


def run(args: argparse.Namespace) -> int:
    dead = journals.dead_journals(args.run_id)
    pairs = search(args, dead)
    now = datetime.now(UTC)
    selected = [r for r in runs.group([item for _, item in pairs]) if chosen(r, args, now)]
    doomed_runs = [r for r in selected if args.run_id or not r.in_progress(now, timeout(args))]
    doomed = {(i.region, i.id) for r in doomed_runs for i in r.resources}
    deleted, leaked = [], []
    if args.delete and (not doomed or args.yes or confirm(len(doomed), len(doomed_runs))):
        deleted, leaked = delete.delete_all(
            [(c, i) for c, i in pairs if (i.region, i.id) in doomed])
        # Journals of runs now clean, or of runs killed before they made anything, have served.
        failed = {i.run_id for _c, i in pairs if (i.region, i.id) in
                  {(leak.region, leak.id) for leak in leaked}}
        cleaned = {r.run_id for r in doomed_runs} - failed
        journals.forget([j for j in dead if j.run_id in cleaned or not j.resources])
    if args.json:
        print(json.dumps(as_json(selected, now, deleted, leaked, args), indent=2))
    else:
        show(selected, now, args)
        show_deletions(deleted, leaked, args)
    return 1 if leaked else 0


def search(args: argparse.Namespace, dead: list) -> list:
    from osc_build_outscale.errors import CloudError

    make = clients.local_clients if args.local else clients.cloud_clients
    found = []
    made = make(args.region)
    endpoints = clients.oos_endpoints(args.local, [c.region for c in made])
    for client in made:
        try:
            found += [(client, item) for item in find.find(client)]
            known = {item.id for _c, item in found}
            found += [(client, item) for item in journals.untagged(client, dead)
                      if item.id not in known]
        except CloudError as err:
            if args.region:  # asked for: a failure is the answer
                raise
            print(f"Note: skipped Region {client.region}: {str(err).splitlines()[0]}",
                  file=sys.stderr)
    for client in made:
        found += [(client, item) for item in in_oos(client, endpoints, found, dead)]
    if made:
        found += [(made[0], item) for item in mounts.left_mounted(dead)]
    return found


def in_oos(client, endpoints: dict[str, str], found: list, dead: list) -> list:
    """What runs that exported to this Region's OOS left there; OOS out of reach (or no
    boto3) is a note, not a failure."""
    from osc_build.errors import BuildError
    from osc_build_outscale.leftovers import oos_find

    refs = oos_find.exports([item for _c, item in found], dead, client.region)
    endpoint = endpoints.get(client.region)
    if not refs or not endpoint:
        return []
    from osc_build_outscale.cloud import oos

    try:
        return oos_find.find(oos.s3_client(endpoint, client.credentials), client.region,
                             endpoint, refs)
    except BuildError as err:  # no boto3
        reason = str(err)
    except Exception as err:
        reason = oos.error_text(err)
    print(f"Note: skipped OOS of Region {client.region} ({endpoint}): {reason}",
          file=sys.stderr)
    return []


def timeout(args: argparse.Namespace) -> timedelta:
    return timedelta(seconds=args.heartbeat_timeout)


def chosen(run: runs.Run, args: argparse.Namespace, now: datetime) -> bool:
    if args.run_id and run.run_id not in args.run_id:
        return False
    if args.older_than is not None:
        age = run.age(now)
        return age is not None and age >= timedelta(seconds=args.older_than)
    return True


def confirm(count: int, run_count: int) -> bool:
    sys.stderr.write(f"Delete these {count} resources of {run_count} run(s)? [y/N] ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower().startswith("y")


def describe(run: runs.Run, now: datetime) -> str:
    age = run.age(now)
    parts = [run.tag(tagging.BUILD_TAG) or run.tag(tagging.BUILDER_TAG) or "unknown build",
             f"started {ago(age)}" if age is not None else "start unknown"]
    if run.tag(tagging.TEMPLATE_TAG):
        parts.append(f"template in {run.tag(tagging.TEMPLATE_TAG)}")
    beats = [r.heartbeat for r in run.resources if r.heartbeat]
    if beats:
        parts.append(f"last heartbeat {ago(now - max(beats))}")
    if run.tag(tagging.HOST_TAG):
        parts.append(f"on {run.tag(tagging.HOST_TAG)} (pid {run.tag(tagging.PID_TAG) or '?'})")
    return ", ".join(parts)


def ago(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def show(selected: list[runs.Run], now: datetime, args: argparse.Namespace) -> None:
    if not selected:
        print("No leftovers: no temporary resource of an osc-build run was found.")
        return
    for run in selected:
        busy = run.in_progress(now, timeout(args)) and not args.run_id
        note = " -- in progress: not deleted unless named with --run-id" if busy else ""
        print(f"==> Run {run.run_id}: {describe(run, now)}{note}")
        for item in run.resources:
            print(f"--> {item.kind} {item.id} in {item.region}")
    if not args.delete:
        hint = " --local" if args.local else ""
        print(f"\nDelete them with: osc-build leftovers{hint} --delete "
              "(add --run-id ID for one run)")


def show_deletions(deleted, leaked, args: argparse.Namespace) -> None:
    if deleted:
        print("\n==> Deleted:")
        for entry in deleted:
            print(f"--> {entry.kind} {entry.id} in {entry.region}")
    if leaked:
        print("\n==> Could not delete these; run the command again, or delete them by hand:",
              file=sys.stderr)
        for leak in leaked:
            print(f"--> {leak}", file=sys.stderr)


def as_json(selected, now, deleted, leaked, args) -> dict:
    def run_doc(run: runs.Run) -> dict:
        age = run.age(now)
        return {"run_id": run.run_id, "builder": run.tag(tagging.BUILDER_TAG),
                "build": run.tag(tagging.BUILD_TAG), "template": run.tag(tagging.TEMPLATE_TAG),
                "host": run.tag(tagging.HOST_TAG), "pid": run.tag(tagging.PID_TAG),
                "version": run.tag(tagging.VERSION_TAG),
                "started": run.started.isoformat() if run.started else None,
                "age_seconds": int(age.total_seconds()) if age is not None else None,
                "in_progress": run.in_progress(now, timeout(args)),
                "last_alive": run.last_alive.isoformat() if run.last_alive else None,
                "resources": [{"kind": i.kind, "id": i.id, "region": i.region}
                              for i in run.resources]}

    doc = {"runs": [run_doc(r) for r in selected]}
    if args.delete:
        doc["deleted"] = [{"kind": e.kind, "id": e.id, "region": e.region} for e in deleted]
        doc["failed"] = [{"kind": e.kind, "id": e.id, "region": e.region, "reason": e.reason}
                         for e in leaked]
    return doc
