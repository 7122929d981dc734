"""outscale-chroot: build an OMI from a volume linked to the VM osc-build runs on.

No build VM: the volume (from a source OMI's root snapshot, or empty with
from_scratch) is linked here, mounted, provisioned through chroot, unmounted,
unlinked, snapshotted and registered.
"""

from __future__ import annotations

from osc_build.artifact import Artifact
from osc_build.context import BuildContext
from osc_build.steps import Step, run_steps
from osc_build_chroot import BUILDER_ID, NAME, host, mounts, root_volume
from osc_build_chroot.provisioning import post_mount_commands, pre_mount_commands, provision
from osc_build_chroot.source_copy import copy_foreign_source
from osc_build_chroot.state import ChrootBuildState
from osc_build_outscale.cloud import access, images


def _from_source(ctx: BuildContext) -> bool:
    return not ctx.config.from_scratch


STEPS: list[Step[ChrootBuildState]] = [
    Step("check privileges", host.check_privileges),
    Step("read the metadata", host.read_metadata),
    Step("check credentials", access.check_credentials),
    Step("find this VM", host.find_host_vm),
    Step("check the OMI name", images.check_name_free, when=images.name_check_wanted),
    Step("find the source OMI", images.find_source, when=_from_source),
    Step("copy a foreign source OMI", copy_foreign_source, when=_from_source),
    Step("lock the device names", root_volume.lock_devices),
    Step("choose a device", root_volume.choose_device),
    Step("create the volume", root_volume.create_volume),
    Step("link the volume", root_volume.link_volume),
    Step("run pre-mount commands", pre_mount_commands),
    Step("mount the volume", mounts.mount_device),
    Step("run post-mount commands", post_mount_commands),
    Step("mount the chroot's file systems", mounts.mount_extra),
    Step("copy files", mounts.copy_files),
    Step("provision", provision),
    Step("unmount and unlink", mounts.early_cleanup),
    Step("snapshot the volume", root_volume.snapshot),
    Step("deregister the old OMI", images.deregister_existing, when=images.deregister_wanted),
    Step("register the OMI", root_volume.register_omi),
    Step("copy the OMI to other regions", images.copy_to_regions),
    Step("set permissions", images.set_permissions),
    Step("tag the OMI", images.tag_images),
]


def build(ctx: BuildContext) -> Artifact:
    """Run the steps; the artifact is what they made."""
    return images.omi_artifact(NAME, BUILDER_ID, run_steps(ctx, STEPS, ChrootBuildState()))
