"""The options of outscale-chroot: access and OMI options, plus the chroot's own."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from osc_build.config import cross_check, option
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import (
    SOURCE_OMI_ID,
    OmiOptionsSchema,
    SourceOmiOptionsSchema,
    volume_type_field,
)

log = logging.getLogger(__name__)

DEFAULT_CHROOT_MOUNTS = [
    ["proc", "proc", "/proc"],
    ["sysfs", "sysfs", "/sys"],
    ["bind", "/dev", "/dev"],
    ["devpts", "devpts", "/dev/pts"],
    ["binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"],
]
DEFAULT_MOUNT_PATH = "/mnt/packer-outscale-chroot-volumes/{{.Device}}"


class ChrootOptionsSchema(AccessOptionsSchema, OmiOptionsSchema, SourceOmiOptionsSchema):
    source_omi = option(fields.String(load_default=None, validate=SOURCE_OMI_ID),
                        "Id of the OMI whose root snapshot the volume starts from.")
    from_scratch = option(fields.Boolean(load_default=False),
                          "Start from an empty volume that pre_mount_commands prepare.")
    chroot_mounts = option(
        fields.List(fields.List(fields.String()), load_default=None),
        "Mounts inside the chroot, as [type, source, destination]; bind means --bind "
        "(default: proc, sysfs, /dev, devpts, binfmt_misc).")
    copy_files = option(fields.List(fields.String(), load_default=None),
                        "Host files copied into the chroot and removed before the snapshot "
                        "(default [\"/etc/resolv.conf\"], none with from_scratch).")
    command_wrapper = option(fields.String(load_default="{{.Command}}"),
                             "Wraps every command run on the host, e.g. \"sudo {{.Command}}\".")
    device_path = option(fields.String(load_default=None),
                         "Device name to link the volume at, e.g. /dev/xvdf (default: the "
                         "first free one from /dev/xvdf to /dev/xvdp).")
    nvme_device_path = option(fields.String(load_default=None),
                              "Device node to mount when it differs from device_path (NVMe).")
    nvme_enabled = option(fields.Boolean(load_default=False),
                          "The host shows volumes as NVMe devices: set nvme_device_path too.")
    mount_path = option(fields.String(load_default=DEFAULT_MOUNT_PATH),
                        "Where the volume is mounted; {{.Device}} is the device's base name.")
    mount_options = option(fields.List(fields.String(), load_default=list),
                           "Options of the mount command, each given as -o OPTION.")
    mount_partition = option(fields.String(load_default=None),
                             "Partition to mount; \"0\" or \"\" mounts the whole device "
                             "(default: \"1\", or the whole device if it has no partitions).")
    pre_mount_commands = option(fields.List(fields.String(), load_default=list),
                                "Host commands run before mounting; {{.Device}} is the device.")
    post_mount_commands = option(fields.List(fields.String(), load_default=list),
                                 "Host commands run after mounting; {{.Device}}, {{.MountPath}}.")
    root_volume_size = option(fields.Integer(load_default=None, validate=validate.Range(min=1)),
                              "Size of the root volume in GiB (at least the source's).")
    root_volume_type = volume_type_field("Type of the root volume (default: the source's; gp2 "
                                         "from scratch).")
    root_volume_tags = option(fields.Dict(keys=fields.String(), values=fields.String(),
                                          load_default=dict),
                              "Tags of the temporary root volume ({{ .SourceOMI }} and such).")
    device_wait_timeout = option(fields.Integer(load_default=120, validate=validate.Range(min=1)),
                                 "Seconds to wait for the linked volume's device node.")

    @cross_check
    def _check_mounts(self, data: Mapping[str, Any], **_: Any) -> None:
        for index, entry in enumerate(data.get("chroot_mounts") or []):
            if len(entry) != 3:
                raise ValidationError(
                    f"entry {index} has {len(entry)} elements; each entry is [type, source, "
                    "destination], e.g. [\"proc\", \"proc\", \"/proc\"]",
                    field_name="chroot_mounts")

    @cross_check
    def _check_source(self, data: Mapping[str, Any], **_: Any) -> None:
        errors: dict[str, str] = {}
        if data.get("from_scratch"):
            needed = {"root_volume_size": "the size of the new volume in GiB",
                      "pre_mount_commands": "commands that partition and format {{.Device}}",
                      "root_device_name": "the OMI's root device, e.g. \"/dev/sda1\"",
                      "omi_block_device_mappings": "the OMI's devices, the root one included"}
            for key, what in needed.items():
                if not data.get(key):
                    errors[key] = f"required with from_scratch = true: {what}"
            if data.get("root_volume_type") == "io1":
                errors["root_volume_type"] = ("io1 needs iops, which from_scratch cannot "
                                              "set; use gp2 or standard")
        elif not data.get("source_omi") and not data.get("source_omi_filter"):
            errors["source_omi"] = ("set source_omi or a source_omi_filter block (e.g. filters "
                                    "= { image-name = \"Debian-12-*\" } with owners = "
                                    "[\"Outscale\"]), or build from_scratch")
        if errors:
            raise ValidationError(errors)

    @cross_check
    def _check_nvme(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("nvme_enabled") and not data.get("nvme_device_path"):
            raise ValidationError("required with nvme_enabled = true: the NVMe node the "
                                  "volume shows as, e.g. /dev/nvme1n1",
                                  field_name="nvme_device_path")

    @post_load
    def _defaults(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("chroot_mounts") is None:
            data["chroot_mounts"] = [list(m) for m in DEFAULT_CHROOT_MOUNTS]
        if data.get("copy_files") is None:
            data["copy_files"] = [] if data.get("from_scratch") else ["/etc/resolv.conf"]
        if data.get("mount_partition") == "0":
            data["mount_partition"] = ""
        if data.get("from_scratch") and (data.get("source_omi") or data.get("source_omi_filter")):
            log.warning("source_omi and source_omi_filter are unused when from_scratch is true")
        if not data.get("from_scratch") and data.get("root_device_name"):
            log.warning("root_device_name is unused unless from_scratch is true; the source "
                        "OMI's root device is kept")
        return data
