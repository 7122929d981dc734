"""Options shared by the builders, with the Go plugin's keys and better checks.

``RunOptionsSchema`` (bsu, bsusurrogate, bsuvolume), ``OmiOptionsSchema`` (bsu,
bsusurrogate, chroot) and the block-device and filter blocks. Builders combine
them with the access and communicator options by inheritance. The shared steps
that any builder may list declare what they read as small schemas of their own
(``SourceOmiOptionsSchema``, ``OmiTagsOptionsSchema``), which the builder's schema
includes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import ValidationError, fields, validate

from osc_build.config import Block, OptionsSchema, cross_check, no_effect, option
from osc_build_outscale.cloud.validate import (
    check_account_id,
    check_vm_type,
    not_known_yet,
    region_problems,
    resource_id,
)
from osc_build_outscale.validate_files import ssh_key_problems, x509_problems

# The API's ImageName: "3-128 alphanumeric characters, underscores, spaces, parentheses,
# slashes, periods, or dashes" (spec, CreateImageRequest).
OMI_NAME_CHARS = re.compile(r"^[A-Za-z0-9_ ()/.\-]+$")
BOOT_MODES = ("legacy", "uefi")
VOLUME_TYPES = ("standard", "gp2", "io1")
VOLUME_TYPE_ERROR = "{input!r} is not a volume type; use one of: {choices}"
# source_omi of every builder: an OMI id, and a hint for a name given instead.
SOURCE_OMI_ID = resource_id("ami", "an OMI",
                            "to pick an OMI by name, use a source_omi_filter block instead")
SECURITY_GROUP_ID = resource_id("sg", "a security group")


def volume_type_field(description: str) -> fields.Field:
    """A volume type option whose error shows the value given and the valid ones."""
    return option(fields.String(load_default=None, validate=validate.OneOf(
        VOLUME_TYPES, error=VOLUME_TYPE_ERROR)), description)


def duplicate_devices(option_name: str, devices: list[dict[str, Any]]) -> dict[str, str]:
    """Two entries of one mapping list with the same device_name: the API refuses them."""
    names = [d.get("device_name") for d in devices or []]
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if not twice:
        return {}
    return {option_name: f"device {twice[0]!r} is listed twice; give each block its own "
                         "device_name (or merge the two blocks)"}


# What the API accepts: /dev/sda1 (root), /dev/xvd[a-z][a-z]?, /dev/sd[a-z][a-z]? with a partition.
DEVICE_NAME = r"^/dev/(sd|xvd)[a-z]{1,2}[0-9]{0,2}$"


class BlockDeviceSchema(OptionsSchema):
    device_name = option(fields.String(required=True, validate=validate.Regexp(
        DEVICE_NAME, error="{input!r} is not a device name; use /dev/sda1 for the root device "
        "or /dev/xvdb to /dev/xvdz (or /dev/sdb to /dev/sdz)")),
        "Device name, e.g. /dev/sda1 or /dev/xvdb.")
    delete_on_vm_deletion = option(fields.Boolean(load_default=False),
                                   "Delete the volume when the VM is deleted.")
    volume_type = volume_type_field("Volume type: standard, gp2 or io1 (API default when "
                                    "unset).")
    volume_size = option(fields.Integer(load_default=None, validate=validate.Range(min=1)),
                         "Volume size in GiB (API default when unset).")
    iops = option(fields.Integer(load_default=None, validate=validate.Range(min=1)),
                  "Provisioned IOPS; only for io1 volumes.")
    snapshot_id = option(fields.String(load_default=None,
                                       validate=resource_id("snap", "a snapshot")),
                         "Snapshot to create the volume from.")
    no_device = option(fields.Boolean(load_default=False),
                       "Suppress this device of the source OMI (launch mappings only).")

    @cross_check
    def _check_iops(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("iops") and data.get("volume_type") != "io1":
            raise ValidationError("iops is only valid with volume_type = \"io1\"; set "
                                  "volume_type = \"io1\" or remove iops", field_name="iops")
        if data.get("volume_type") == "io1" and not data.get("iops") \
                and not data.get("no_device"):
            raise ValidationError("required with volume_type = \"io1\": set the provisioned "
                                  "IOPS, e.g. iops = 1000, or use volume_type = \"gp2\"",
                                  field_name="iops")


class FilterPairSchema(OptionsSchema):
    name = option(fields.String(required=True), "Filter name, e.g. image-name.")
    value = option(fields.String(required=True), "Filter value; * and ? are wildcards.")


class FilterBlockSchema(OptionsSchema):
    filters = option(fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict),
                     "Filters as a map of name to value, e.g. image-name = \"Debian-12-*\".")
    filter = option(fields.List(fields.Nested(FilterPairSchema), load_default=list),
                    "Repeatable filter blocks with name and value.")
    owners = option(fields.List(fields.String(), load_default=list),
                    "Account ids or aliases (e.g. Outscale, self) that must own the resource.")
    most_recent = option(fields.Boolean(load_default=False),
                         "Pick the most recent match instead of failing on several matches.")
    most_free = option(fields.Boolean(load_default=False),
                       "Subnets: pick the one with the most free IPs.")
    random = option(fields.Boolean(load_default=False), "Subnets: pick one at random.")


def _filter_block(description: str) -> fields.Field:
    return option(Block(FilterBlockSchema, load_default=None), description)


class SourceOmiOptionsSchema(OptionsSchema):
    """What :func:`~osc_build_outscale.cloud.images.find_source` reads: the OMI to start from."""

    source_omi = option(fields.String(load_default=None, validate=SOURCE_OMI_ID),
                        "Id of the OMI to start from.")
    source_omi_filter = _filter_block("Selects the source OMI: filters, filter, owners, "
                                      "most_recent.")


class OmiTagsOptionsSchema(OptionsSchema):
    """What :func:`~osc_build_outscale.cloud.images.tag_images` reads."""

    tags = option(fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict),
                  "Tags of the OMI and its snapshots.")
    snapshot_tags = option(fields.Dict(keys=fields.String(), values=fields.String(),
                                       load_default=dict), "Extra tags of the snapshots only.")


class CloudValuesSchema(OptionsSchema):
    """Checks of values that only the cloud used to find wrong: regions, files, devices.

    Run and OMI options both derive from it; marshmallow runs its hooks once per schema.
    """

    @cross_check
    def _check_regions(self, data: Mapping[str, Any], **_: Any) -> None:
        _raise_any(region_problems(data))

    @cross_check
    def _check_x509_files(self, data: Mapping[str, Any], **_: Any) -> None:
        _raise_any(x509_problems(data))

    @cross_check
    def _check_ssh_key_files(self, data: Mapping[str, Any], **_: Any) -> None:
        _raise_any(ssh_key_problems(data))

    @cross_check
    def _check_launch_devices(self, data: Mapping[str, Any], **_: Any) -> None:
        _raise_any(duplicate_devices("launch_block_device_mappings",
                                     data.get("launch_block_device_mappings")))

    @cross_check
    def _check_omi_devices(self, data: Mapping[str, Any], **_: Any) -> None:
        _raise_any(duplicate_devices("omi_block_device_mappings",
                                     data.get("omi_block_device_mappings")))


def _raise_any(errors: Mapping[str, str]) -> None:
    """Report a check's problems, by option name."""
    if errors:
        raise ValidationError(dict(errors))


class RunOptionsSchema(CloudValuesSchema, SourceOmiOptionsSchema):
    vm_type = option(fields.String(required=True, validate=check_vm_type),
                     "VM type: tinavW.cXrYpZ (generation 1-7, vCores, GiB, performance 1-3), "
                     "e.g. tinav7.c1r1p2, or an AWS-style type such as t2.small.")
    subregion_name = option(fields.String(load_default=None), "Subregion, e.g. eu-west-2a.")
    net_id = option(fields.String(load_default=None, validate=resource_id("vpc", "a Net")),
                    "Net to build in.")
    net_filter = _filter_block("Selects the Net: exactly one must match.")
    subnet_id = option(fields.String(load_default=None,
                                     validate=resource_id("subnet", "a Subnet")),
                       "Subnet to build in.")
    subnet_filter = _filter_block("Selects the Subnet (most_free, random when several match).")
    security_group_id = option(fields.String(load_default=None, validate=SECURITY_GROUP_ID),
                               "An existing security group.")
    security_group_ids = option(fields.List(fields.String(validate=SECURITY_GROUP_ID),
                                            load_default=list),
                                "Existing security groups; none is created then.")
    security_group_filter = _filter_block("Selects existing security groups (all matches).")
    temporary_security_group_source_cidr = option(
        fields.String(load_default=None),
        "One CIDR allowed to reach the communicator port of the temporary security group.")
    temporary_security_group_source_cidrs = option(
        fields.List(fields.String(), load_default=list),
        "CIDRs allowed to reach the communicator port (default 0.0.0.0/0).")
    associate_public_ip_address = option(fields.Boolean(load_default=False),
                                         "Give the VM a temporary public IP.")
    shutdown_behavior = option(
        fields.String(load_default="stop", validate=validate.OneOf(("stop", "terminate"))),
        "What a shutdown from inside the VM does: stop or terminate.")
    disable_stop_vm = option(fields.Boolean(load_default=False),
                             "Do not stop the VM: a provisioner stops it.")
    bsu_optimized = option(fields.Boolean(load_default=False), "Launch a BSU-optimized VM.")
    boot_mode = option(fields.String(load_default=None, validate=validate.OneOf(BOOT_MODES)),
                       "Boot mode of the VM: legacy or uefi.")
    user_data = option(fields.String(load_default=None), "User data (plain or base64).")
    user_data_file = option(fields.String(load_default=None), "File holding the user data.")
    run_tags = option(fields.Dict(keys=fields.String(), values=fields.String(),
                                  load_default=dict), "Tags of the build VM.")
    windows_password_timeout = no_effect(
        fields.String(load_default="20m"),
        "it bounds the wait for a Windows password, used only by WinRM, which is not "
        "supported yet")
    iam_vm_profile = no_effect(fields.String(load_default=None),
                               "OUTSCALE VMs have no IAM instance profile (an AWS feature)")
    enable_t2_unlimited = no_effect(fields.Boolean(load_default=False),
                                    "OUTSCALE has no T2 burstable VM types (an AWS feature)")
    block_duration_minutes = no_effect(fields.Integer(load_default=0),
                                       "OUTSCALE has no spot blocks (an AWS feature)")

    @cross_check
    def _check_source_omi(self, data: Mapping[str, Any], **_: Any) -> None:
        if not data.get("source_omi") and not data.get("source_omi_filter"):
            raise ValidationError("set source_omi or a source_omi_filter block, e.g. "
                                  "filters = { image-name = \"Debian-12-*\" } with "
                                  "owners = [\"Outscale\"]", field_name="source_omi")

    @cross_check
    def _check_security_groups(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("security_group_id") and data.get("security_group_ids"):
            raise ValidationError("only one of security_group_id or security_group_ids can "
                                  "be specified", field_name="security_group_id")

    @cross_check
    def _check_user_data(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("user_data_file") and not Path(data["user_data_file"]).is_file():
            raise ValidationError(f"file {data['user_data_file']!r} not found; give the path "
                                  "of an existing file", field_name="user_data_file")
        if data.get("user_data") and data.get("user_data_file"):
            raise ValidationError("user_data and user_data_file cannot both be set",
                                  field_name="user_data_file")

    @cross_check
    def _check_source_cidrs(self, data: Mapping[str, Any], **_: Any) -> None:
        cidrs = list(data.get("temporary_security_group_source_cidrs") or [])
        if data.get("temporary_security_group_source_cidr"):
            cidrs.append(data["temporary_security_group_source_cidr"])
        for cidr in cidrs:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValidationError(f"{cidr!r} is not a CIDR block; write it like "
                                      "203.0.113.0/24",
                                      field_name="temporary_security_group_source_cidrs"
                                      ) from None


# OOS (S3) bucket names: 3-63 characters, lower case, digits, dots and dashes.
BUCKET_NAME = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"


class RegionCredentialsSchema(OptionsSchema):
    access_key = option(fields.String(required=True), "Access key of the Region's account.")
    secret_key = option(fields.String(required=True), "Its secret key.")
    custom_endpoint_oapi = option(fields.String(load_default=None),
                                  "API endpoint of the Region (default: OUTSCALE's public one).")


class OmiOptionsSchema(CloudValuesSchema, OmiTagsOptionsSchema):
    omi_name = option(fields.String(required=True),
                      "Name of the new OMI: 3-128 characters of A-Z a-z 0-9 ( ) [ ] . / - ' @ _ "
                      "and space.")
    omi_description = option(fields.String(load_default=None), "Description of the new OMI.")
    omi_account_ids = option(fields.List(fields.String(validate=check_account_id),
                                         load_default=list),
                             "Accounts allowed to launch the OMI.")
    omi_groups = option(fields.List(fields.String(), load_default=list),
                        "Groups allowed to launch the OMI; \"all\" makes it public.")
    snapshot_account_ids = option(fields.List(fields.String(validate=check_account_id),
                                              load_default=list),
                                  "Accounts allowed to create volumes from the OMI's snapshots.")
    snapshot_groups = option(fields.List(fields.String(), load_default=list),
                             "Groups allowed to create volumes from the snapshots; \"all\" for "
                             "everyone.")
    global_permission = option(fields.Boolean(load_default=False),
                               "Make the OMI public (its snapshots stay private).")
    omi_boot_modes = option(fields.List(fields.String(validate=validate.OneOf(BOOT_MODES)),
                                        load_default=list), "Boot modes of the OMI.")
    product_codes = option(fields.List(fields.String(), load_default=list),
                           "Product codes of the OMI.")
    omi_product_codes = option(fields.List(fields.String(), load_default=list),
                               "Same as product_codes (kept for old templates).")
    omi_regions = option(fields.List(fields.String(), load_default=list),
                         "Other Regions to copy the OMI to, in parallel: exported to OOS in "
                         "the build Region, imported in each with that Region's credentials "
                         "(see omi_region_profiles and docs/omi-regions.md).")
    omi_region_profiles = option(
        fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict),
        "Profile of ~/.osc/config.json (or OSC_CONFIG_FILE) whose keys are used in each "
        "omi_regions Region, e.g. { \"us-east-2\" = \"us\" }; by default the profile named "
        "after the Region.")
    omi_region_credentials = option(
        fields.Dict(keys=fields.String(), values=fields.Nested(RegionCredentialsSchema),
                    load_default=dict),
        "Explicit access keys per omi_regions Region, e.g. { \"us-east-2\" = { access_key = "
        "\"...\", secret_key = \"...\" } }; preferred over omi_region_profiles.")
    omi_export_bucket = option(
        fields.String(load_default=None, validate=validate.Regexp(
            BUCKET_NAME, error="{input!r} is not a bucket name; use 3-63 lower-case letters, "
            "digits, dots and dashes")),
        "OOS bucket of the build Region that carries the OMI to the other Regions; a "
        "temporary bucket is created and removed when unset.")
    omi_export_prefix = option(fields.String(load_default="osc-build/"),
                               "Prefix of the exported objects' keys in the bucket.")
    omi_export_disk_image_format = option(
        fields.String(load_default="qcow2", validate=validate.OneOf(("qcow2", "raw"))),
        "Format of the exported disks: qcow2 (smaller, the default) or raw.")
    keep_exported_omi = option(fields.Boolean(load_default=False),
                               "Keep the exported objects (and a temporary bucket) after the "
                               "copy instead of deleting them.")
    oos_endpoints = option(
        fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict),
        "OOS endpoint per Region, e.g. { \"eu-west-2\" = \"https://oos.eu-west-2."
        "outscale.com\" } (the default); the simulator's with --local.")
    omi_regions_on_failure = option(
        fields.String(load_default="delete", validate=validate.OneOf(("delete", "keep"))),
        "When a copy fails: delete every OMI of the build (delete, the default: a failed "
        "build leaves no artifact, as Packer) or keep the build Region's OMI and the copies "
        "that succeeded (keep).")
    skip_region_validation = option(
        fields.Boolean(load_default=False),
        "Do not check region, subregion_name and omi_regions against OUTSCALE's public "
        "regions (for a region newer than osc-build).")
    force_deregister = option(fields.Boolean(load_default=False),
                              "Delete this account's OMIs of the same name first.")
    force_delete_snapshot = option(fields.Boolean(load_default=False),
                                   "With force_deregister, delete their snapshots too.")
    root_device_name = option(fields.String(load_default=None),
                              "Root device name of the OMI, with omi_block_device_mappings.")
    omi_block_device_mappings = option(fields.List(fields.Nested(BlockDeviceSchema),
                                                   load_default=list),
                                       "Extra devices of the OMI.")

    @cross_check
    def _check_omi_name(self, data: Mapping[str, Any], **_: Any) -> None:
        name = data.get("omi_name") or ""
        if name and not 3 <= len(name) <= 128:
            raise ValidationError(f"must be 3 to 128 characters long (it has {len(name)})",
                                  field_name="omi_name")
        if name and not not_known_yet(name) and not OMI_NAME_CHARS.match(name):
            raise ValidationError(
                "may contain only letters, digits, spaces and ( ) . / - _ (the API refuses "
                "others); wrap it in clean_resource_name to replace them",
                field_name="omi_name")

    @cross_check
    def _check_region_profiles(self, data: Mapping[str, Any], **_: Any) -> None:
        regions = data.get("omi_regions") or []
        unused = sorted(set(data.get("omi_region_profiles") or {}) - set(regions))
        if unused and not any(not_known_yet(r) for r in regions):
            raise ValidationError(f"Region {unused[0]!r} is not in omi_regions; add it there "
                                  "or remove it from this map", field_name="omi_region_profiles")

    @cross_check
    def _check_force_delete(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("force_delete_snapshot") and not data.get("force_deregister"):
            raise ValidationError("has no effect without force_deregister = true",
                                  field_name="force_delete_snapshot")
