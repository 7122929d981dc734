"""Options: errors name the option path and suggest the closest valid name."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError, fields, validate

from osc_build.config import OptionsSchema, cross_check, load_options, option
from osc_build.errors import ConfigError


class DeviceSchema(OptionsSchema):
    device_name = option(fields.String(required=True), "Device name.")
    volume_size = option(fields.Integer(), "Size in GiB.")


class BuilderSchema(OptionsSchema):
    vm_type = option(fields.String(load_default="tinav7.c1r1p2"), "VM type.")
    ssh_username = option(fields.String(required=True), "SSH user.")
    launch_block_device_mappings = option(fields.List(fields.Nested(DeviceSchema)), "Devices.")


WHERE = "source.outscale-bsu.main"


def errors_of(data):
    with pytest.raises(ConfigError) as info:
        load_options(BuilderSchema, data, where=WHERE)
    return str(info.value).splitlines()


def test_loads_defaults():
    options = load_options(BuilderSchema, {"ssh_username": "outscale"}, where=WHERE)
    assert (options.vm_type, options.ssh_username) == ("tinav7.c1r1p2", "outscale")


def test_unknown_key_suggests_closest_name():
    assert errors_of({"ssh_username": "x", "ssh_usernme": "y"}) == [
        f"{WHERE}: ssh_usernme: unknown option (did you mean 'ssh_username'?)"]


def test_wrong_type_and_missing_required_name_the_option():
    lines = errors_of({"vm_type": 3})
    assert f"{WHERE}: vm_type: not a valid string" in lines
    assert f"{WHERE}: ssh_username: must be specified" in lines


def test_nested_errors_name_the_full_path():
    lines = errors_of({"ssh_username": "x", "launch_block_device_mappings": [
        {"device_name": "/dev/sda1"}, {"device_name": "/dev/sdb", "volume_sise": 3}]})
    assert lines == [f"{WHERE}: launch_block_device_mappings[1].volume_sise: unknown option "
                     "(did you mean 'volume_size'?)"]


class ImageSchema(OptionsSchema):
    image = option(fields.String(validate=validate.Regexp("^img-")), "Image id.")
    image_filter = option(fields.String(), "Image name pattern.")
    size = option(fields.Integer(), "Size in GiB.")
    devices = option(fields.List(fields.Nested(DeviceSchema)), "Devices.")

    @cross_check
    def _image(self, data, **_):
        if not data.get("image") and not data.get("image_filter"):
            raise ValidationError("set image or image_filter", field_name="image")

    @cross_check
    def _devices(self, data, **_):
        names = [d["device_name"] for d in data.get("devices") or []]
        if len(set(names)) != len(names):
            raise ValidationError("a device is listed twice", field_name="devices")


def image_errors(data):
    with pytest.raises(ConfigError) as info:
        load_options(ImageSchema, data, where=WHERE)
    return str(info.value).splitlines()


def test_cross_checks_run_beside_option_errors():
    lines = image_errors({"size": "big", "devices": [{"device_name": "a"},
                                                     {"device_name": "a"}]})
    assert sorted(lines) == [f"{WHERE}: devices: a device is listed twice",
                             f"{WHERE}: image: set image or image_filter",
                             f"{WHERE}: size: not a valid integer"]


def test_a_cross_check_reading_an_option_that_failed_says_nothing_more():
    assert image_errors({"image": "ami-1"}) == [
        f"{WHERE}: image: string does not match expected pattern"]
    assert image_errors({"imag": "img-1"}) == [
        f"{WHERE}: imag: unknown option (did you mean 'image'?)"]
    # A list that loaded in part: its check would judge a device without its name.
    assert image_errors({"image": "img-1", "devices": [{"device_name": "a"}, {}]}) == [
        f"{WHERE}: devices[1].device_name: must be specified"]
