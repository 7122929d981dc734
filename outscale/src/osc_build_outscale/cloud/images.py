"""Steps around OMIs: name check, source lookup, creation, permissions, tags.

Copies to other Regions: :mod:`osc_build_outscale.cloud.region_copy`.
"""

from __future__ import annotations

import logging
from typing import Any

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.errors import BuildError, ConfigError
from osc_build.steps import reads
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import intents
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.options import OmiTagsOptionsSchema, SourceOmiOptionsSchema
from osc_build_outscale.cloud.reads import read_by_id
from osc_build_outscale.cloud.regions import account_in, client_in
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_outscale.cloud.waits import wait
from osc_build_outscale.errors import CloudError

log = logging.getLogger(__name__)

def check_name_free(ctx: BuildContext, state: VmBuildState) -> None:
    """Fail before building when this account already has an OMI of that name."""
    name = ctx.config.omi_name
    existing = _own_images_named(state, name)
    if existing:
        raise BuildError(f"omi_name {name!r} is already used by {existing[0]['ImageId']} in "
                         f"{state.region}; choose another name or set force_deregister = true")


def deregister_existing(ctx: BuildContext, state: VmBuildState) -> None:
    """force_deregister: delete this account's OMIs of the same name (never others'),
    in the build region and in every omi_regions region the OMI will be copied to."""
    regions = dict.fromkeys([state.region, *ctx.config.omi_regions])
    for region in regions:
        client = client_in(state, region)
        for image in _own_images_named(state, ctx.config.omi_name, client,
                                       account_in(state, region)):
            ctx.ui.say(f"Deregistering existing OMI {image['ImageId']} ({image['ImageName']}) "
                       f"in {region}...")
            client.call("DeleteImage", ImageId=image["ImageId"])
            if ctx.config.force_delete_snapshot:
                for snapshot_id in snapshot_ids(image):
                    ctx.ui.message(f"deleting snapshot {snapshot_id}")
                    client.call("DeleteSnapshot", SnapshotId=snapshot_id)


@reads(SourceOmiOptionsSchema)
def find_source(ctx: BuildContext, state: VmBuildState) -> None:
    """Resolve source_omi and/or source_omi_filter: when both are set, both apply."""
    from osc_build_outscale.filters import IMAGE, merge_filters, select_one

    config = ctx.config
    block = config.source_omi_filter
    pairs = merge_filters(block and block.filters, block and block.filter,
                          where="source_omi_filter")
    if config.source_omi:
        pairs.append(("image-id", config.source_omi))
    image = select_one(state.api, IMAGE, pairs, owners=(block and block.owners) or (),
                       most_recent=bool(block and block.most_recent),
                       where="source_omi_filter" if block else "source_omi")
    if image.get("RootDeviceType", "bsu") != "bsu":
        raise BuildError(f"source OMI {image['ImageId']} has root device type "
                         f"{image.get('RootDeviceType')!r}; the builder needs a bsu-backed OMI")
    state.source_image = image
    ctx.ui.message(f"source OMI: {image['ImageId']} ({image.get('ImageName', '')})")


def temporary_image_name(omi_name: str, suffix: str = "-osc-build-base") -> str:
    """A name for the intermediate OMI that stays within the API's 128 characters."""
    return omi_name[:128 - len(suffix)] + suffix


def create_from_vm(ctx: BuildContext, state: VmBuildState) -> None:
    """Make the OMI from the stopped build VM, then wait until it is available."""
    config = ctx.config
    ctx.ui.say(f"Creating OMI {config.omi_name!r} from {state.vm['VmId']}...")
    extra = config.omi_block_device_mappings or []
    name = config.omi_name if not extra else temporary_image_name(config.omi_name)
    intents.image_intent(ctx, state.api, name, volumes=[
        m["Bsu"]["VolumeId"] for m in state.vm.get("BlockDeviceMappings") or []
        if (m.get("Bsu") or {}).get("VolumeId")])
    image = state.api.call(
        "CreateImage", VmId=state.vm["VmId"], ImageName=name,
        Description=omi_description(ctx, state), ProductCodes=product_codes(config),
        BootModes=config.omi_boot_modes or None)["Image"]
    _track_image(ctx, state, image["ImageId"])
    image = wait_available(ctx, state.api, image["ImageId"])
    if extra:
        image = _register_with_extra_devices(ctx, state, image, extra)
    state.images = {state.region: image["ImageId"]}
    state.snapshots = {state.region: snapshot_ids(image)}
    ctx.ui.message(f"OMI {image['ImageId']} is available")


def _register_with_extra_devices(ctx: BuildContext, state: VmBuildState, base: dict,
                                 extra: list[Any]) -> dict:
    """The VM's devices plus omi_block_device_mappings (the Go plugin dropped the VM's)."""
    mappings = {m["DeviceName"]: m for m in base.get("BlockDeviceMappings") or []}
    for device in extra:
        mappings[device.device_name] = {"DeviceName": device.device_name,
                                           "Bsu": bsu_of(device)}
    root = ctx.config.root_device_name or base.get("RootDeviceName")
    intents.image_intent(ctx, state.api, ctx.config.omi_name, snapshots=snapshot_ids(base))
    image = state.api.call(
        "CreateImage", ImageName=ctx.config.omi_name, RootDeviceName=root,
        BlockDeviceMappings=list(mappings.values()), Description=omi_description(ctx, state),
        ProductCodes=product_codes(ctx.config),
        BootModes=ctx.config.omi_boot_modes or None)["Image"]
    # The new OMI owns the base's snapshots now (and maybe the user's own snapshot_id ones,
    # which are never deleted): on failure delete the base OMI first, alone.
    ctx.resources.forget(base["ImageId"])
    client = state.api
    ours, new_id = snapshot_ids(base), image["ImageId"]

    def delete_new() -> None:
        client.call("DeleteImage", ImageId=new_id)
        for snapshot_id in ours:
            client.call("DeleteSnapshot", SnapshotId=snapshot_id)

    ctx.resources.track("OMI", new_id, delete_new, keep_on_success=True, region=client.region,
                        on_keep=tagging.unmark_temporary(client, [new_id, *ours]))
    # Not own-snapshots: some may be the user's; the base's are marked one by one.
    tagging.mark_temporary(ctx, client, [new_id, *ours])
    ctx.resources.track("OMI", base["ImageId"],
                        lambda: client.call("DeleteImage", ImageId=base["ImageId"]))
    image = wait_available(ctx, state.api, image["ImageId"])
    state.api.call("DeleteImage", ImageId=base["ImageId"])
    ctx.resources.forget(base["ImageId"])
    return image


def bsu_of(device: Any) -> dict:
    """OAPI's Bsu object for a loaded block-device option block."""
    bsu: dict[str, Any] = {"DeleteOnVmDeletion": bool(device.delete_on_vm_deletion)}
    for key, api_key in (("volume_size", "VolumeSize"), ("volume_type", "VolumeType"),
                         ("snapshot_id", "SnapshotId")):
        if getattr(device, key):
            bsu[api_key] = getattr(device, key)
    if device.iops and device.volume_type == "io1":
        bsu["Iops"] = device.iops
    return bsu


def wait_available(ctx: BuildContext, client: OscClient, image_id: str) -> dict:
    last: dict[str, Any] = {}

    def read() -> str | None:
        image = read_by_id(client, "image", image_id)
        last.update(image or {})
        return image.get("State") if image else None

    try:
        wait(ctx, read, wanted={"available"}, failed={"failed"}, kind="image",
             describe=f"OMI {image_id}")
    except CloudError as err:
        reason = (last.get("StateComment") or {}).get("StateMessage")
        if reason:
            raise BuildError(f"OMI {image_id} failed: {reason}") from err
        raise
    return last


def set_permissions(ctx: BuildContext, state: VmBuildState) -> None:
    """Launch permissions on every copy, volume-creation permissions on their snapshots."""
    config = ctx.config
    groups = set(config.omi_groups or [])
    launch = {"AccountIds": list(config.omi_account_ids or []),
              "GlobalPermission": bool(config.global_permission or "all" in groups)}
    snap_accounts = list(config.snapshot_account_ids or [])
    snap_public = "all" in set(config.snapshot_groups or [])
    for region, image_id in state.images.items():
        client = client_in(state, region)
        if launch["AccountIds"] or launch["GlobalPermission"]:
            ctx.ui.message(f"setting launch permissions on {image_id}")
            client.call("UpdateImage", ImageId=image_id,
                        PermissionsToLaunch={"Additions": _drop_empty(launch)})
        if snap_accounts or snap_public:
            for snapshot_id in state.snapshots.get(region, []):
                client.call("UpdateSnapshot", SnapshotId=snapshot_id,
                            PermissionsToCreateVolume={"Additions": _drop_empty(
                                {"AccountIds": snap_accounts, "GlobalPermission": snap_public})})


@reads(OmiTagsOptionsSchema)
def tag_images(ctx: BuildContext, state: VmBuildState) -> None:
    """``tags`` on each OMI and its snapshots, ``snapshot_tags`` on the snapshots."""
    info = state.build_info()
    image_tags = tagging.render(ctx.config.tags or {}, info)
    snapshot_tags = {**image_tags, **tagging.render(ctx.config.snapshot_tags or {}, info)}
    for region, image_id in state.images.items():
        client = client_in(state, region)
        tagging.apply(client, [image_id], image_tags)
        tagging.apply(client, state.snapshots.get(region, []), snapshot_tags)


def delete_image(client: OscClient, image_id: str, *, delete_snapshots: bool) -> None:
    image = read_by_id(client, "image", image_id)
    client.call("DeleteImage", ImageId=image_id)
    if delete_snapshots and image:
        for snapshot_id in snapshot_ids(image):
            client.call("DeleteSnapshot", SnapshotId=snapshot_id)


def snapshot_ids(image: dict) -> list[str]:
    return [m["Bsu"]["SnapshotId"] for m in image.get("BlockDeviceMappings") or []
            if (m.get("Bsu") or {}).get("SnapshotId")]


def _track_image(ctx: BuildContext, state: VmBuildState, image_id: str) -> None:
    """The OMI is the artifact: kept on success, deleted with its snapshots on failure."""
    client = state.api
    ctx.resources.track("OMI", image_id,
                        lambda: delete_image(client, image_id, delete_snapshots=True),
                        keep_on_success=True, region=state.region,
                        on_keep=tagging.unmark_temporary(client, [image_id]))
    tagging.mark_temporary(ctx, client, [image_id], **{tagging.OWN_SNAPSHOTS_TAG: "true"})


def _own_images_named(state: VmBuildState, name: str, client: OscClient | None = None,
                      account_id: str = "") -> list[dict]:
    """This account's OMIs of that name (in another Region: that Region's account's)."""
    account_id = account_id or state.account_id
    if not account_id:
        raise ConfigError("the account id is unknown; the credentials step must run first")
    images = (client or state.api).paginate(
        "ReadImages", "Images", Filters={"ImageNames": [name], "AccountIds": [account_id]})
    return [i for i in images if i.get("ImageName") == name
            and i.get("AccountId") == account_id]


def omi_description(ctx: BuildContext, state: VmBuildState) -> str | None:
    """omi_description rendered with build info (``{{ .SourceOMI }}`` ...), or None."""
    text = ctx.config.omi_description
    if not text:
        return None
    from osc_build.template.legacy import interpolate

    return interpolate(text, state.build_info())


def product_codes(config: Any) -> list[str] | None:
    """product_codes and the older omi_product_codes, merged without duplicates."""
    codes = list(dict.fromkeys([*(config.product_codes or []),
                                *(config.omi_product_codes or [])]))
    return codes or None


def _drop_empty(values: dict) -> dict:
    return {k: v for k, v in values.items() if v}


def name_check_wanted(ctx: BuildContext) -> bool:
    """The name check runs unless the old OMI is to be replaced."""
    return not ctx.config.force_deregister


def deregister_wanted(ctx: BuildContext) -> bool:
    return bool(ctx.config.force_deregister)


def omi_artifact(builder: str, builder_id: str, state: VmBuildState,
                 **extra_state: Any) -> Artifact:
    """The OMI artifact: one id per region, the build region first."""
    lines = "\n".join(f"{region}: {image}" for region, image in state.images.items())
    return Artifact(builder=builder, builder_id=builder_id, ids=tuple(state.images.items()),
                    description=f"OMIs were created:\n{lines}",
                    state={"snapshots": state.snapshots,
                           "source_omi": (state.source_image or {}).get("ImageId", ""),
                           **extra_state})
