"""The options of outscale-bsu: access, run, communicator and OMI options, declared once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields

from osc_build.communicators.options import CommunicatorOptionsSchema
from osc_build.config import cross_check, option
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import BlockDeviceSchema, OmiOptionsSchema, RunOptionsSchema


class BsuOptionsSchema(AccessOptionsSchema, RunOptionsSchema, CommunicatorOptionsSchema,
                       OmiOptionsSchema):
    launch_block_device_mappings = option(
        fields.List(fields.Nested(BlockDeviceSchema), load_default=list),
        "Devices of the build VM (root size and type, extra volumes).")
    run_volume_tags = option(fields.Dict(keys=fields.String(), values=fields.String(),
                                         load_default=dict),
                             "Tags of every volume of the build VM.")
    skip_create_omi = option(fields.Boolean(load_default=False),
                             "Provision the VM but make no OMI (for testing provisioners).")

    @cross_check
    def _check_bsu(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("shutdown_behavior") == "terminate" and not data.get("skip_create_omi"):
            raise ValidationError(
                "terminate would delete the VM before its OMI is made; use \"stop\"",
                field_name="shutdown_behavior")
