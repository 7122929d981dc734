"""Typed options: one frozen class per schema, attributes per option, secrets out of reprs."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from marshmallow import fields

from osc_build.config import (
    Block,
    Options,
    OptionsSchema,
    load_options,
    option,
    options_class,
    options_dict,
)

WHERE = "source.fake.main"


class DeviceSchema(OptionsSchema):
    device_name = option(fields.String(required=True), "Device name.")
    volume_size = option(fields.Integer(load_default=None), "Size in GiB.")


class FilterSchema(OptionsSchema):
    owners = option(fields.List(fields.String(), load_default=list), "Owners.")


class DeviceCount(Options):
    """A derived attribute, declared next to the schema that names this base."""

    @property
    def device_count(self) -> int:
        return len(self.devices)  # type: ignore[attr-defined]


class MachineSchema(OptionsSchema):
    options_base = DeviceCount

    vm_type = option(fields.String(load_default="tinav7.c1r1p2"), "VM type.")
    ssh_port = option(fields.Integer(load_default=22), "Port.")
    password = option(fields.String(load_default=None), "Password.", secret=True)
    devices = option(fields.List(fields.Nested(DeviceSchema), load_default=list), "Devices.")
    source_filter = option(Block(FilterSchema, load_default=None), "Filter block.")
    run_tags = option(fields.Dict(keys=fields.String(), values=fields.String(),
                                  load_default=dict), "Tags.")


def load(**data):
    return load_options(MachineSchema, data, where=WHERE)


def test_loaded_options_are_attributes_with_defaults():
    options = load(ssh_port=2222)
    assert (options.vm_type, options.ssh_port, options.password) == ("tinav7.c1r1p2", 2222, None)
    assert options.run_tags == {} and options.devices == []


def test_options_are_frozen():
    options = load()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.vm_type = "tinav7.c2r2p2"


def test_nested_blocks_are_typed_objects_too():
    options = load(devices=[{"device_name": "/dev/sda1", "volume_size": 10}],
                   source_filter=[{"owners": ["Outscale"]}])
    [device] = options.devices
    assert isinstance(device, options_class(DeviceSchema))
    assert (device.device_name, device.volume_size) == ("/dev/sda1", 10)
    assert options.source_filter.owners == ["Outscale"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        device.volume_size = 20


def test_annotations_follow_the_field_types():
    hints = {f.name: f.type for f in dataclasses.fields(options_class(MachineSchema))}
    assert hints["ssh_port"] == int | None
    assert hints["devices"] == list[options_class(DeviceSchema)] | None
    assert hints["run_tags"] == dict[str, Any] | None


def test_repr_hides_secrets_and_names_the_class():
    text = repr(load(password="hunter2-secret"))
    assert "hunter2-secret" not in text
    assert text.startswith("MachineOptions(") and "password=<redacted>" in text
    assert "password=None" in repr(load())  # nothing to hide: shown as unset


def test_one_schema_one_class_even_under_concurrent_loads():
    with ThreadPoolExecutor(max_workers=4) as pool:
        classes = set(pool.map(lambda _: type(load()), range(8)))
    assert classes == {options_class(MachineSchema)}
    assert options_class(MachineSchema()) is options_class(MachineSchema)
    assert options_class(MachineSchema).__module__ == __name__


def test_a_schema_base_adds_derived_properties():
    options = load(devices=[{"device_name": "/dev/sda1"}, {"device_name": "/dev/xvdb"}])
    assert isinstance(options, DeviceCount) and options.device_count == 2


def test_options_dict_gives_a_plain_mapping_for_mapping_apis():
    assert options_dict(load(devices=[{"device_name": "/dev/sda1"}]))["devices"] == [
        {"device_name": "/dev/sda1", "volume_size": None}]


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        load().ssh_usernme  # noqa: B018
