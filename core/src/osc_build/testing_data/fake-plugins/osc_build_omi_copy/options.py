"""The options of example-omi-copy: OUTSCALE access options, what to copy and its name."""

from __future__ import annotations

from marshmallow import fields

from osc_build.config import option
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import (
    SOURCE_OMI_ID,
    OmiTagsOptionsSchema,
    SourceOmiOptionsSchema,
)


class OmiCopyOptionsSchema(AccessOptionsSchema, SourceOmiOptionsSchema, OmiTagsOptionsSchema):
    source_omi = option(fields.String(required=True, validate=SOURCE_OMI_ID),
                        "The OMI to copy, e.g. ami-12345678.")
    omi_name = option(fields.String(required=True), "Name of the copy.")
