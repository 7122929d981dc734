"""omi_regions, the OUTSCALE way: export the OMI to OOS, import it in each other Region.

Accounts are per Region and CreateImage copies within a Region only, so the OMI
goes through an OOS bucket of the build Region (``CreateImageExportTask``); each
destination Region's account registers it from the pre-signed manifest URL
(``CreateImage`` with ``FileLocation``). The bucket (when temporary), the exported
objects, the export task and half-imported OMIs are all in the undo log.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import images, intents, oos
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.regions import client_in, copy_regions
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_outscale.cloud.waits import wait
from osc_build_outscale.errors import CloudError, OutscaleError

log = logging.getLogger(__name__)


class _Export:
    """One export of the build's OMI into the build Region's OOS, and its clean-up."""

    def __init__(self, ctx: BuildContext, state: VmBuildState, image_id: str) -> None:
        self.ctx, self.api, self.image_id = ctx, state.api, image_id
        self.endpoint = oos.oos_endpoint(ctx.config, state.region)
        self.s3 = oos.s3_client(self.endpoint, state.api.credentials)
        self.bucket = ctx.config.omi_export_bucket or ""
        self.prefix = f"{ctx.config.omi_export_prefix or ''}{image_id}/"
        self.keep = bool(ctx.config.keep_exported_omi)
        self.temporary = not self.bucket
        self.task_id = ""

    def start(self) -> None:
        # The run id in the name says whose at a glance; the marker object proves it.
        marks = {k: v for k, v in tagging.temporary_tags(self.ctx).items()
                 if k != tagging.TEMPLATE_TAG}
        if self.temporary:
            self.bucket = f"osc-build-{self.ctx.run_id}-{uuid.uuid4().hex[:8]}"
        # Said first, on the OMI (tagged temporary): where leftovers may find what follows.
        tagging.apply(self.api, [self.image_id],
                      {tagging.OOS_EXPORT_TAG: f"{self.bucket}/{self.prefix}"})
        if self.temporary:
            self.ctx.resources.intend("OOS bucket", region=self.api.region, name=self.bucket)
            with oos.failing_as(f"creating the temporary bucket {self.bucket}"):
                oos.create_bucket(self.s3, self.bucket, self.api.region)
            self.ctx.resources.track(
                "OOS bucket", self.bucket, lambda: oos.delete_bucket(self.s3, self.bucket),
                keep_on_success=self.keep, region=self.api.region,
                on_keep=lambda: oos.delete_marker(self.s3, self.bucket, ""))
            with oos.failing_as(f"marking the temporary bucket {self.bucket}"):
                oos.write_marker(self.s3, self.bucket, "", marks)
            self.ctx.ui.message(f"created the temporary OOS bucket {self.bucket}")
        # Objects first, then the task: the undo log cancels the task, then deletes them.
        self.ctx.resources.track("exported objects", f"{self.bucket}/{self.prefix}",
                                 lambda: oos.delete_prefix(self.s3, self.bucket, self.prefix),
                                 keep_on_success=self.keep, region=self.api.region,
                                 on_keep=lambda: oos.delete_marker(self.s3, self.bucket,
                                                                   self.prefix))
        with oos.failing_as(f"marking {self.bucket}/{self.prefix}"):
            oos.write_marker(self.s3, self.bucket, self.prefix, marks)
        osu: dict[str, Any] = {
            "DiskImageFormat": self.ctx.config.omi_export_disk_image_format or "qcow2",
            "OsuBucket": self.bucket, "OsuPrefix": self.ctx.config.omi_export_prefix or "",
            "OsuApiKey": {"ApiKeyId": self.api.credentials.access_key,
                          "SecretKey": self.api.credentials.secret_key}}
        task = self.api.call("CreateImageExportTask", ImageId=self.image_id,
                             OsuExport=osu)["ImageExportTask"]
        self.task_id = task["TaskId"]
        self.ctx.resources.track("export task", self.task_id, self._cancel,
                                 region=self.api.region)
        self.manifest_url = (task.get("OsuExport") or {}).get("OsuManifestUrl", "")

    def _cancel(self) -> None:
        """Stop a task still under way; a finished one has nothing to stop."""
        tasks = self.api.call("ReadImageExportTasks",
                              Filters={"TaskIds": [self.task_id]}).get("ImageExportTasks") or []
        if tasks and tasks[0].get("State") not in ("completed", "failed", "cancelled"):
            self.api.call("DeleteExportTask", ExportTaskId=self.task_id)

    def wait(self) -> str:
        """Wait for the export, showing its percent; return the pre-signed manifest URL."""
        last: dict[str, Any] = {}
        said = _PercentSayer(self.ctx, f"export {self.task_id} of {self.image_id}")

        def read() -> str | None:
            tasks = self.api.call("ReadImageExportTasks", Filters={
                "TaskIds": [self.task_id]}).get("ImageExportTasks") or []
            if tasks:
                last.update(tasks[0])
                said.percent(tasks[0].get("Progress"))
            return tasks[0]["State"] if tasks else None

        try:
            wait(self.ctx, read, wanted={"completed"}, failed={"failed", "cancelled"},
                 kind="image", describe=f"export {self.task_id}", on_progress=said.state)
        except CloudError as err:
            raise BuildError(f"the export of {self.image_id} to OOS bucket {self.bucket!r} "
                             f"failed: {last.get('Comment') or err}") from err
        url = (last.get("OsuExport") or {}).get("OsuManifestUrl") or self.manifest_url
        bucket, key = oos.split_object_url(url, self.endpoint)
        with oos.failing_as("pre-signing the manifest URL"):
            return oos.presign(self.s3, bucket, key)

    def finish(self) -> None:
        """After the imports: delete the objects (and a temporary bucket) unless kept."""
        self.ctx.resources.forget(self.task_id)
        if self.keep:
            where = f"{self.bucket}/{self.prefix}"
            self.ctx.ui.say(f"Kept the exported OMI in OOS: {where} (keep_exported_omi)")
            return
        with oos.failing_as(f"deleting {self.bucket}/{self.prefix}"):
            # (the prefix's marker goes with its objects, the bucket's with the bucket)
            oos.delete_prefix(self.s3, self.bucket, self.prefix)
            self.ctx.resources.forget(f"{self.bucket}/{self.prefix}")
            if self.temporary:
                oos.delete_bucket(self.s3, self.bucket)
                self.ctx.resources.forget(self.bucket)
        self.ctx.ui.message(f"deleted the exported objects from {self.bucket}")


class _PercentSayer:
    """Says the percent of a task each time it moves by 10 or more, and its state changes."""

    def __init__(self, ctx: BuildContext, describe: str) -> None:
        self.ctx, self.describe, self.last = ctx, describe, -10
        self.seen_state: str | None = None

    def percent(self, value: Any) -> None:
        if isinstance(value, int | float) and (value >= self.last + 10 or
                                               (value == 100 and self.last < 100)):
            self.last = int(value)
            self.ctx.ui.message(f"{self.describe}: {self.last}%")

    def state(self, state: str | None, elapsed: float) -> None:
        if state != self.seen_state:
            self.seen_state = state
            self.ctx.ui.message(f"{self.describe}: {state or 'not visible yet'} "
                                f"({elapsed:.0f}s)")


def copy_to_regions(ctx: BuildContext, state: VmBuildState) -> None:
    """omi_regions: export once, import in every other Region in parallel, wait for all."""
    regions = copy_regions(ctx, state)
    if not regions:
        return
    source_id = state.images[state.region]
    ctx.ui.say(f"Copying {source_id} to {', '.join(regions)} through OOS...")
    export = _Export(ctx, state, source_id)
    export.start()
    manifest_url = export.wait()
    ctx.ui.say(f"Importing {source_id} in {', '.join(regions)}...")

    def import_in(region: str) -> tuple[str, dict | None, str]:
        try:
            return region, _import(ctx, state, region, manifest_url), ""
        except (OutscaleError, BuildError) as exc:
            return region, None, str(exc).splitlines()[0]

    with ThreadPoolExecutor(max_workers=len(regions)) as pool:
        results = list(pool.map(import_in, regions))
    failed = [(region, why) for region, _, why in results if why]
    for region, image, _ in results:
        if image is not None:
            state.images[region] = image["ImageId"]
            state.snapshots[region] = images.snapshot_ids(image)
            ctx.ui.message(f"{region}: {image['ImageId']}")
    export.finish()
    if failed:
        _fail(ctx, state, failed)


def _import(ctx: BuildContext, state: VmBuildState, region: str, manifest_url: str) -> dict:
    client = client_in(state, region)
    intents.image_intent(ctx, client, ctx.config.omi_name, file_location=manifest_url)
    image = client.call("CreateImage", FileLocation=manifest_url,
                        ImageName=ctx.config.omi_name,
                        Description=images.omi_description(ctx, state))["Image"]
    image_id = image["ImageId"]
    ctx.resources.track("OMI", image_id,
                        lambda: images.delete_image(client, image_id, delete_snapshots=True),
                        keep_on_success=True, region=region,
                        on_keep=tagging.unmark_temporary(client, [image_id]))
    tagging.mark_temporary(ctx, client, [image_id], **{tagging.OWN_SNAPSHOTS_TAG: "true"})
    return _wait_imported(ctx, client, region, image_id)


def _wait_imported(ctx: BuildContext, client: OscClient, region: str, image_id: str) -> dict:
    """Wait for an imported OMI; its snapshots' progress is the import's percent."""
    last: dict[str, Any] = {}
    said = _PercentSayer(ctx, f"{region}: import of {image_id}")

    def read() -> str | None:
        found = client.call("ReadImages", Filters={"ImageIds": [image_id]}).get("Images") or []
        if found:
            last.update(found[0])
            said.percent(_snapshots_percent(client, images.snapshot_ids(found[0])))
        return found[0].get("State") if found else None

    try:
        wait(ctx, read, wanted={"available"}, failed={"failed"}, kind="image",
             describe=f"{region}: OMI {image_id}", on_progress=said.state)
    except CloudError as err:
        reason = (last.get("StateComment") or {}).get("StateMessage")
        raise BuildError(f"the import of {image_id} failed: {reason or err}") from err
    return last


def _snapshots_percent(client: OscClient, snapshot_ids: list[str]) -> float | None:
    if not snapshot_ids:
        return None
    found = client.call("ReadSnapshots", Filters={"SnapshotIds": snapshot_ids}).get(
        "Snapshots") or []
    values = [s.get("Progress") or 0 for s in found]
    return sum(values) / len(values) if values else None


def _fail(ctx: BuildContext, state: VmBuildState, failed: list[tuple[str, str]]) -> None:
    """Name each Region that failed; with omi_regions_on_failure = "keep", keep (untracked)
    the OMIs already made, with their tags and permissions, and list them."""
    lines = "\n  ".join(f"{region}: {why}" for region, why in failed)
    message = f"omi_regions: the copy failed in {len(failed)} Region(s):\n  {lines}"
    if ctx.config.omi_regions_on_failure != "keep":
        raise BuildError(message + "\nEvery OMI of this build is deleted "
                         "(omi_regions_on_failure = \"keep\" keeps those already made).")
    images.set_permissions(ctx, state)
    images.tag_images(ctx, state)
    for image_id in state.images.values():
        ctx.resources.forget(image_id)
    kept = ", ".join(f"{region}: {image_id}" for region, image_id in state.images.items())
    raise BuildError(f"{message}\nKept (omi_regions_on_failure = \"keep\"): {kept}")
