"""The options of outscale-bsuvolume: access, run and communicator options, and bsu_volumes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields

from osc_build.communicators.options import CommunicatorOptionsSchema
from osc_build.config import Options, cross_check, option
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import BlockDeviceSchema, RunOptionsSchema


class BsuVolumeSchema(BlockDeviceSchema):
    """One volume of the build VM; kept after the build unless delete_on_vm_deletion."""

    tags = option(fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict),
                  "Tags of this volume; {{ .SourceOMI }}, {{ .SourceOMIName }} and "
                  "{{ .BuildRegion }} are rendered.")


class VolumeBuilderOptions(Options):
    """What the shared launch step reads, derived from bsu_volumes."""

    bsu_volumes: list[Any]

    @property
    def launch_block_device_mappings(self) -> list[Any]:
        """The VM is launched with the bsu_volumes (their tags are applied by a later step)."""
        return list(self.bsu_volumes)

    @property
    def run_volume_tags(self) -> dict[str, str]:
        """None for every volume: each bsu_volumes block has its own tags."""
        return {}


class BsuVolumeOptionsSchema(AccessOptionsSchema, RunOptionsSchema, CommunicatorOptionsSchema):
    options_base = VolumeBuilderOptions

    bsu_volumes = option(
        fields.List(fields.Nested(BsuVolumeSchema), load_default=list),
        "Volumes of the build VM. Those with delete_on_vm_deletion = false (the default) are "
        "detached and kept: they are the artifact; the others are scratch space for the build.")

    @cross_check
    def _check_volumes(self, data: Mapping[str, Any], **_: Any) -> None:
        volumes = data.get("bsu_volumes") or []
        names = [v["device_name"] for v in volumes]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError(f"device {twice[0]!r} is listed twice; give each volume its "
                                  "own device_name", field_name="bsu_volumes")
        if not any(_kept(v) for v in volumes):
            raise ValidationError(
                "no volume would be kept: add a bsu_volumes block with a device_name (e.g. "
                "\"/dev/xvdb\") and delete_on_vm_deletion = false", field_name="bsu_volumes")

    @cross_check
    def _check_shutdown(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("shutdown_behavior") == "terminate":
            raise ValidationError("terminate would delete the VM before its volumes are "
                                  "detached; use \"stop\"", field_name="shutdown_behavior")


def _kept(volume: dict[str, Any]) -> bool:
    return not volume.get("delete_on_vm_deletion") and not volume.get("no_device")


def kept_devices(config: VolumeBuilderOptions) -> list[str]:
    """Device names of the volumes that outlive the build, in the template's order."""
    return [v.device_name for v in config.bsu_volumes
            if not v.delete_on_vm_deletion and not v.no_device]
