"""Options: errors name the option path and suggest the closest valid name."""

from __future__ import annotations

import pytest
from marshmallow import fields

from osc_build.config import OptionsSchema, load_options, option
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
