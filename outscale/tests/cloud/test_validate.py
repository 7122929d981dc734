"""OUTSCALE values found wrong when options load, before any cloud call."""

from __future__ import annotations

import json

import pytest

from osc_build.communicators.options import CommunicatorOptionsSchema
from osc_build.config import load_options
from osc_build.errors import ConfigError
from osc_build.local_cloud import loading_for_local_cloud
from osc_build_outscale.client import AccessOptionsSchema
from osc_build_outscale.cloud.options import BlockDeviceSchema, OmiOptionsSchema, RunOptionsSchema
from osc_build_outscale.cloud.validate import check_vm_type, custom_endpoint


class BuilderSchema(AccessOptionsSchema, RunOptionsSchema, CommunicatorOptionsSchema,
                    OmiOptionsSchema):
    """What outscale-bsu combines, with launch devices from the shared block schema."""

    from marshmallow import fields

    launch_block_device_mappings = fields.List(fields.Nested(BlockDeviceSchema),
                                               load_default=list)


BASE = {"vm_type": "tinav7.c1r1p1", "source_omi": "ami-12345678", "ssh_username": "outscale",
        "omi_name": "validate-test"}


@pytest.fixture(autouse=True)
def public_cloud(monkeypatch, tmp_path):
    """No endpoint from the environment or a profile: the public regions apply."""
    for name in ("OSC_ENDPOINT_API", "OUTSCALE_OAPI_URL", "OSC_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OSC_CONFIG_FILE", str(tmp_path / "no-config.json"))


def load(**options):
    return load_options(BuilderSchema, {**BASE, **options}, where="source.outscale-bsu.x")


def error_of(**options) -> str:
    with pytest.raises(ConfigError) as info:
        load(**options)
    return str(info.value)


@pytest.mark.parametrize("vm_type", ["tinav1.c1r1p1", "tinav7.c16r64p3", "tinav5.c2r4",
                                     "t2.micro", "t2.small", "m4.large", "c4.4xlarge",
                                     "r4.16xlarge", "{{user `type`}}", "<unknown>"])
def test_outscale_vm_types_are_accepted(vm_type):
    check_vm_type(vm_type)
    assert load(vm_type=vm_type).vm_type == vm_type


@pytest.mark.parametrize(("vm_type", "cause"), [
    ("tinav8.c1r1p1", "processor generation 8 does not exist; use tinav1 to tinav7"),
    ("tinav0.c1r1p1", "processor generation 0 does not exist"),
    ("tinav7.c1r1p4", "performance p4 does not exist; use p1 (highest)"),
    ("tinav7.c0r1p2", "at least 1 vCore and 1 GiB"),
    ("tina.c2r4", "is not an OUTSCALE VM type; write tinavW.cXrYpZ"),
    ("t2.micor", "is not an OUTSCALE VM type"),
    ("large", "is not an OUTSCALE VM type"),
    ("TINAV7.C1R1P1", "is not an OUTSCALE VM type"),
])
def test_a_wrong_vm_type_says_what_is_wrong_and_shows_an_example(vm_type, cause):
    message = error_of(vm_type=vm_type)
    assert f"source.outscale-bsu.x: vm_type: {vm_type!r}" in message
    assert cause in message
    assert "e.g. tinav7.c2r4p2" in message


@pytest.mark.parametrize(("option", "value", "fragment"), [
    ("source_omi", "ami-1234567", "'ami-1234567' is not an OMI id: write ami- and 8 "
                                  "hexadecimal digits, e.g. ami-12345678"),
    ("source_omi", "ami-1234567G", "is not an OMI id"),
    ("net_id", "net-12345678", "is not a Net id: write vpc-"),
    ("subnet_id", "subnet-xyz", "is not a Subnet id: write subnet-"),
    ("security_group_id", "default", "is not a security group id: write sg-"),
])
def test_ids_of_the_wrong_form_are_refused(option, value, fragment):
    message = error_of(**{option: value})
    assert f"{option}: " in message and fragment in message


def test_an_omi_name_given_as_source_omi_points_to_the_filter():
    message = error_of(source_omi="Debian-12-2025.12.03-0")
    assert "use a source_omi_filter block instead" in message


def test_list_items_and_nested_ids_are_named_by_their_path():
    assert "security_group_ids[1]: 'sg-1' is not a security group id" in error_of(
        security_group_ids=["sg-12345678", "sg-1"])
    message = error_of(launch_block_device_mappings=[
        {"device_name": "/dev/xvdb", "snapshot_id": "snapshot-1"}])
    assert "launch_block_device_mappings[0].snapshot_id: 'snapshot-1' is not a snapshot id" \
        in message


def test_ids_known_only_at_build_time_are_not_checked():
    assert load(source_omi="<unknown>", omi_name="<unknown>").source_omi == "<unknown>"


@pytest.mark.parametrize("option", ["omi_account_ids", "snapshot_account_ids"])
def test_account_ids_are_12_digits(option):
    assert getattr(load(**{option: ["123456789012"]}), option) == ["123456789012"]
    message = error_of(**{option: ["123456789012", "1234-5678-9012"]})
    assert f"{option}[1]: '1234-5678-9012' is not an account id: an account id is 12 digits" \
        in message


def test_unknown_regions_are_refused_on_the_public_cloud():
    assert "region: 'eu-west-3' is not an OUTSCALE region; use one of eu-west-2" in error_of(
        region="eu-west-3")
    message = error_of(omi_regions=["us-east-2", "us-east-1"])
    assert "omi_regions: 'us-east-1' is not an OUTSCALE region" in message
    assert "set custom_endpoint_oapi (or OSC_ENDPOINT_API)" in message
    assert load(region="cloudgouv-eu-west-1", omi_regions=["ap-northeast-1"])


@pytest.mark.parametrize(("subregion", "fragment"), [
    ("eu-west-2d", "'eu-west-2d' is not an OUTSCALE subregion; write a region and a letter a "
                   "to c, e.g. eu-west-2a"),
    ("eu-west-2", "is not an OUTSCALE subregion"),
    ("mars-1a", "is not an OUTSCALE subregion"),
])
def test_unknown_subregions_are_refused(subregion, fragment):
    assert fragment in error_of(subregion_name=subregion)
    assert load(subregion_name="us-west-1b").subregion_name == "us-west-1b"


def test_a_subregion_of_another_region_is_refused_even_with_a_custom_endpoint():
    message = error_of(region="lab-1", subregion_name="lab-2a",
                       custom_endpoint_oapi="https://api.lab/api/v1")
    assert "subregion_name: 'lab-2a' is not a subregion of region 'lab-1'; use lab-1a" in message


def test_custom_endpoints_allow_other_regions(monkeypatch, tmp_path):
    options = {"region": "lab-1", "subregion_name": "lab-1f", "omi_regions": ["lab-2"]}
    assert load(**options, custom_endpoint_oapi="https://api.lab/api/v1")
    with loading_for_local_cloud():  # what --local does before the simulator is known
        assert load(**options)
    monkeypatch.setenv("OSC_ENDPOINT_API", "https://api.lab/api/v1")
    assert load(**options)
    monkeypatch.delenv("OSC_ENDPOINT_API")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"lab": {"endpoints": {"api": "https://api.lab/api/v1"}}}))
    monkeypatch.setenv("OSC_CONFIG_FILE", str(config))
    assert load(**options, profile="lab")
    assert not custom_endpoint({"profile": "default"})
    assert "region: 'lab-1' is not an OUTSCALE region" in error_of(**options)


def test_io1_needs_iops_and_iops_needs_io1():
    message = error_of(launch_block_device_mappings=[
        {"device_name": "/dev/xvdb", "volume_type": "io1", "volume_size": 10}])
    assert ("launch_block_device_mappings[0].iops: required with volume_type = \"io1\": set "
            "the provisioned IOPS, e.g. iops = 1000") in message
    assert "iops is only valid with volume_type = \"io1\"" in error_of(
        omi_block_device_mappings=[{"device_name": "/dev/xvdb", "iops": 100}])
    assert load(launch_block_device_mappings=[
        {"device_name": "/dev/xvdb", "volume_type": "io1", "iops": 100}])


def test_a_wrong_volume_type_shows_the_value_and_the_valid_ones():
    message = error_of(launch_block_device_mappings=[
        {"device_name": "/dev/xvdb", "volume_type": "ssd"}])
    assert ("launch_block_device_mappings[0].volume_type: 'ssd' is not a volume type; use "
            "one of: standard, gp2, io1") in message


@pytest.mark.parametrize("option", ["launch_block_device_mappings",
                                    "omi_block_device_mappings"])
def test_a_device_listed_twice_in_one_list_is_refused(option):
    devices = [{"device_name": "/dev/xvdb"}, {"device_name": "/dev/xvdc"},
               {"device_name": "/dev/xvdb", "volume_size": 2}]
    message = error_of(**{option: devices})
    assert f"{option}: device '/dev/xvdb' is listed twice; give each block its own " \
           "device_name" in message


def test_an_omi_mapping_may_override_a_launch_device_of_the_same_name():
    device = [{"device_name": "/dev/xvdb", "volume_size": 2}]
    assert load(launch_block_device_mappings=device, omi_block_device_mappings=device,
                root_device_name="/dev/sda1")


def test_omi_name_follows_the_apis_charset_and_derived_names_stay_within_128():
    from marshmallow import ValidationError

    from osc_build_outscale.cloud.images import temporary_image_name
    from osc_build_outscale.cloud.options import OmiOptionsSchema

    for bad in ("web[1]", "it's", "web@home", "a*b"):
        with pytest.raises(ValidationError) as info:
            OmiOptionsSchema().load({"omi_name": bad})
        assert "the API refuses others" in str(info.value.messages["omi_name"])
    assert OmiOptionsSchema().load({"omi_name": "Web_1 (x86)/v2.0-rc"})
    longest = "x" * 128
    assert len(temporary_image_name(longest)) == 128
    assert temporary_image_name("web").startswith("web-")
