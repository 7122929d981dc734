"""The ``outscale-omi`` data source: find one OMI and expose its attributes to the template."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError, fields

from osc_build.config import OptionsSchema, cross_check, option, options_dict
from osc_build.interfaces import DataSource
from osc_build_outscale.client import AccessOptionsSchema, OscClient, resolve_credentials
from osc_build_outscale.cloud.validate import (
    check_account_id,
    check_owner,
    region_problems,
    resource_id,
)
from osc_build_outscale.errors import OutscaleConfigError
from osc_build_outscale.filters import IMAGE, build_query, merge_filters, select_one
from osc_build_outscale.validate_files import x509_problems

log = logging.getLogger(__name__)

# Filters that pin the owner or the image by themselves, so ``owners`` may be left out.
PINNING_FILTERS = {"AccountIds", "AccountAliases", "ImageIds"}
# Filters whose values are ids of a known form (a `*` wildcard is left to the API).
ID_FILTERS = {"ImageIds": resource_id("ami", "an OMI"),
              "AccountIds": check_account_id,
              "PermissionsToLaunchAccountIds": check_account_id,
              "BlockDeviceMappingSnapshotIds": resource_id("snap", "a snapshot")}


class FilterBlockSchema(OptionsSchema):
    name = option(fields.String(required=True), "Filter name, e.g. image-name or tag:Env.")
    value = option(fields.Raw(required=True),
                   "Value, or list of values (any may match); `*` is a wildcard.")


class OmiDataSourceSchema(OptionsSchema, AccessOptionsSchema):
    filters = option(fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict),
                     "Filter name to value (or list of values), e.g. "
                     '{ image-name = "Debian-12-*" }; all must match.')
    filter = option(fields.List(fields.Nested(FilterBlockSchema), load_default=list),
                    "Repeatable block { name = ..., value = ... }, added to filters.")
    owners = option(fields.List(fields.String(validate=check_owner), load_default=list),
                    "Account ids, aliases such as Outscale, or self; any may own the OMI. "
                    "Required unless a filter names the owner or the image id.")
    most_recent = option(fields.Boolean(load_default=False),
                         "When several OMIs match, take the latest CreationDate instead of "
                         "failing.")

    @cross_check
    def _check_cloud_values(self, data: Mapping[str, Any], **_: Any) -> None:
        problems = {**region_problems(data), **x509_problems(data)}
        if problems:
            raise ValidationError(problems)

    @cross_check
    def _check_filters(self, data: Mapping[str, Any], **_: Any) -> None:
        try:
            pairs = merge_filters(data.get("filters"), data.get("filter"), where="filters")
            query = build_query(IMAGE, pairs, where="filters")
        except OutscaleConfigError as err:
            raise ValidationError(str(err).removeprefix("filters: "), "filters") from None
        for name, value in pairs:
            problem = _id_filter_problem(name, value)
            if problem:
                raise ValidationError(problem, "filters")
        if not data.get("owners") and not PINNING_FILTERS & set(query.filters):
            raise ValidationError(
                "give the owners of the OMI (account ids, aliases such as Outscale, or self), "
                "or a filter on owner-id, owner-alias or image-id: anyone can publish an OMI "
                "with a matching name", "owners")


def _id_filter_problem(name: Any, value: Any) -> str | None:
    """The first value of an id filter that is not an id (the checks skip unknown values)."""
    check = ID_FILTERS.get(IMAGE.aliases.get(str(name), str(name)))
    if check is None:
        return None
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and "*" in item:
            continue
        try:
            check(str(item))
        except ValidationError as err:
            return f"filter {name!r}: {err.messages[0]}"
    return None


class OmiDataSource(DataSource):
    """Find one OMI with filters and owners (same filter names as `source_omi_filter`).

    Filter names: the Packer/EC2 ones (`image-name`, `name`, `image-id`, `owner-alias`,
    `owner-id`, `state`, `description`, `architecture`, `root-device-type`,
    `virtualization-type`, `tag:KEY`, `tag-key`, `tag-value`, `creation-date`, ...), the Go
    plugin's, or the OAPI names (`ImageNames`, `AccountAliases`, ...). An unknown name is an
    error listing the valid ones. `*` matches any sequence; values are case-sensitive.

    Outputs: `id`, `name`, `creation_date`, `owner`, `owner_name`, `tags` (map),
    `description`, `state`, `architecture`, `root_device_name`, `root_device_type`,
    `block_device_mappings` (list of `device_name`, `snapshot_id`, `volume_size`,
    `volume_type`, `iops`, `delete_on_vm_deletion`), `boot_modes`, `product_codes`.
    Unlike the Go plugin, the access options of the block are honoured.
    """

    schema = OmiDataSourceSchema

    def execute(self, config: Any) -> dict[str, Any]:
        client = OscClient(resolve_credentials(options_dict(config)))
        where = "data.outscale-omi"
        pairs = merge_filters(config.filters, config.filter, where=where)
        image = select_one(client, IMAGE, pairs, owners=config.owners,
                           most_recent=config.most_recent, where=where)
        log.info("%s: found %s (%s)", where, image["ImageId"], image.get("ImageName", ""))
        return outputs(image)


def outputs(image: dict[str, Any]) -> dict[str, Any]:
    """The data source's outputs from an OAPI ``Image``."""
    return {
        "id": image["ImageId"],
        "name": image.get("ImageName", ""),
        "creation_date": image.get("CreationDate", ""),
        "owner": image.get("AccountId", ""),
        "owner_name": image.get("AccountAlias", ""),
        "tags": {tag["Key"]: tag["Value"] for tag in image.get("Tags") or []},
        "description": image.get("Description", ""),
        "state": image.get("State", ""),
        "architecture": image.get("Architecture", ""),
        "root_device_name": image.get("RootDeviceName", ""),
        "root_device_type": image.get("RootDeviceType", ""),
        "block_device_mappings": [_mapping(m) for m in image.get("BlockDeviceMappings") or []],
        "boot_modes": list(image.get("BootModes") or []),
        "product_codes": list(image.get("ProductCodes") or []),
    }


def _mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    bsu = mapping.get("Bsu") or {}
    return {"device_name": mapping.get("DeviceName", ""),
            "snapshot_id": bsu.get("SnapshotId", ""),
            "volume_size": bsu.get("VolumeSize"),
            "volume_type": bsu.get("VolumeType", ""),
            "iops": bsu.get("Iops"),
            "delete_on_vm_deletion": bsu.get("DeleteOnVmDeletion")}
