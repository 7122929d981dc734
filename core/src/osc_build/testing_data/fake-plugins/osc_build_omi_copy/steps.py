"""example-omi-copy: check the name, find the source OMI, copy it, tag the copy."""

from __future__ import annotations

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.steps import Step, run_steps
from osc_build_omi_copy import BUILDER_ID, NAME
from osc_build_outscale.cloud import access, images
from osc_build_outscale.cloud.state import VmBuildState


def copy_source(ctx: BuildContext, state: VmBuildState) -> None:
    """The one step of our own: the copy is tracked as soon as it has an id."""
    source_id = state.source_image["ImageId"]
    ctx.ui.say(f"Copying {source_id} to {ctx.config.omi_name!r}...")
    image = state.api.call("CreateImage", SourceImageId=source_id,
                           SourceRegionName=state.region,
                           ImageName=ctx.config.omi_name)["Image"]
    client = state.api
    ctx.resources.track("OMI", image["ImageId"],
                        lambda: images.delete_image(client, image["ImageId"],
                                                    delete_snapshots=True),
                        keep_on_success=True, region=state.region)
    image = images.wait_available(ctx, client, image["ImageId"])
    state.images = {state.region: image["ImageId"]}
    state.snapshots = {state.region: images.snapshot_ids(image)}


STEPS: list[Step[VmBuildState]] = [
    Step("check credentials", access.check_credentials),
    Step("check the OMI name", images.check_name_free),
    Step("find the source OMI", images.find_source),
    Step("copy the OMI", copy_source),
    Step("tag the OMI", images.tag_images),
]


def build(ctx: BuildContext) -> Artifact:
    """Run the steps; the artifact is the copy."""
    state = run_steps(ctx, STEPS, VmBuildState())
    return images.omi_artifact(NAME, BUILDER_ID, state)
