"""The options of example-omi-copy: OUTSCALE access options, what to copy and its name."""

from __future__ import annotations

from marshmallow import fields

from osc_build.config import OptionsSchema, option
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import SOURCE_OMI_ID


class OmiCopyOptionsSchema(AccessOptionsSchema, OptionsSchema):
    source_omi = option(fields.String(required=True, validate=SOURCE_OMI_ID),
                        "The OMI to copy, e.g. ami-12345678.")
    omi_name = option(fields.String(required=True), "Name of the copy.")
    tags = option(fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict),
                  "Tags of the copy and its snapshots; {{ .SourceOMI }} is replaced.")
