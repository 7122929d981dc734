"""The options of outscale-bsusurrogate: those of outscale-bsu plus the OMI's root device."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields, validate

from osc_build.communicators.options import CommunicatorOptionsSchema
from osc_build.config import Block, OptionsSchema, cross_check, option
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import (
    BlockDeviceSchema,
    OmiOptionsSchema,
    RunOptionsSchema,
    volume_type_field,
)


class RootDeviceSchema(OptionsSchema):
    source_device_name = option(fields.String(required=True),
                                "The launch_block_device_mappings device that becomes the "
                                "OMI's root, e.g. /dev/xvdf.")
    device_name = option(fields.String(required=True),
                         "Root device name of the OMI, e.g. /dev/sda1.")
    delete_on_vm_deletion = option(fields.Boolean(load_default=None),
                                   "Delete the root volume with the VMs made from the OMI "
                                   "(default: as the launch device).")
    volume_type = volume_type_field("Root volume type in the OMI (default: as the launch "
                                    "device).")
    volume_size = option(fields.Integer(load_default=None, validate=validate.Range(min=1)),
                         "Root volume size in GiB in the OMI (default: as the launch device).")
    iops = option(fields.Integer(load_default=None, validate=validate.Range(min=1)),
                  "Root volume IOPS in the OMI; only for io1.")

    @cross_check
    def _check_iops(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("iops") and data.get("volume_type") not in (None, "io1"):
            raise ValidationError("iops is only valid with volume_type = \"io1\"; set "
                                  "volume_type = \"io1\" or remove iops", field_name="iops")


class SurrogateOptionsSchema(AccessOptionsSchema, RunOptionsSchema, CommunicatorOptionsSchema,
                             OmiOptionsSchema):
    launch_block_device_mappings = option(
        fields.List(fields.Nested(BlockDeviceSchema), load_default=list),
        "Devices of the surrogate VM; each becomes a device of the OMI, from its snapshot.")
    omi_root_device = option(Block(RootDeviceSchema, required=True, error_messages={
        "required": "required: add a block naming the launch device that becomes the OMI's "
                    "root, e.g. source_device_name = \"/dev/xvdf\", device_name = "
                    "\"/dev/sda1\""}),
                             "Which launch device becomes the OMI's root, and how.")
    run_volume_tags = option(fields.Dict(keys=fields.String(), values=fields.String(),
                                         load_default=dict),
                             "Tags of every volume of the surrogate VM.")

    @cross_check
    def _check_shutdown(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("shutdown_behavior") == "terminate":
            raise ValidationError("terminate would delete the surrogate VM and its volumes "
                                  "before they are snapshotted; use \"stop\"",
                                  field_name="shutdown_behavior")

    @cross_check
    def _check_root_device(self, data: Mapping[str, Any], **_: Any) -> None:
        root = data.get("omi_root_device")
        if not root:
            return
        launch = {d["device_name"]: d for d in data.get("launch_block_device_mappings") or []
                  if not d.get("no_device")}
        source = launch.get(root["source_device_name"])
        if source is None:
            raise ValidationError(
                f"source_device_name {root['source_device_name']!r} is not a device of "
                f"launch_block_device_mappings ({', '.join(launch) or 'none'}); add a "
                "launch_block_device_mappings block with that device_name",
                field_name="omi_root_device")
        if data.get("root_device_name") not in (None, root["device_name"]):
            raise ValidationError(
                f"is {data['root_device_name']!r} but omi_root_device.device_name is "
                f"{root['device_name']!r}; the surrogate's OMI takes its root from "
                "omi_root_device: remove root_device_name", field_name="root_device_name")
        others = set(launch) - {root["source_device_name"]}
        if root["device_name"] in others:
            raise ValidationError(
                f"device_name {root['device_name']!r} is also a launch device, which would "
                "become a second device of that name in the OMI; rename one of them",
                field_name="omi_root_device")
        if root.get("iops") and (root.get("volume_type") or source.get("volume_type")) != "io1":
            raise ValidationError(
                f"iops needs an io1 root, and {root['source_device_name']} is not io1; set "
                "volume_type = \"io1\" in omi_root_device or remove iops",
                field_name="omi_root_device")
        if (root.get("volume_type") == "io1" and source.get("volume_type") != "io1"
                and not root.get("iops")):
            raise ValidationError(
                f"volume_type \"io1\" needs iops, and {root['source_device_name']} is not io1 "
                "(it has none to keep); set iops in omi_root_device, e.g. iops = 1000",
                field_name="omi_root_device")
        if (root.get("volume_size") and source.get("volume_size")
                and root["volume_size"] < source["volume_size"]):
            raise ValidationError(
                f"volume_size {root['volume_size']} is smaller than the "
                f"{source['volume_size']} GiB of {root['source_device_name']}; a volume cannot "
                "shrink below its snapshot", field_name="omi_root_device")
