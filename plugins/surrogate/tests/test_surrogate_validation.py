"""outscale-bsusurrogate: an io1 root needs iops from omi_root_device or its launch device."""

from __future__ import annotations

import pytest

from osc_build.config import load_options
from osc_build.errors import ConfigError
from osc_build_surrogate.options import SurrogateOptionsSchema

BASE = {"vm_type": "tinav7.c1r1p1", "source_omi": "ami-12345678", "ssh_username": "outscale",
        "omi_name": "surrogate"}


def load(launch: dict, root: dict):
    return load_options(SurrogateOptionsSchema, {
        **BASE, "launch_block_device_mappings": [{"device_name": "/dev/xvdf", **launch}],
        "omi_root_device": {"source_device_name": "/dev/xvdf", "device_name": "/dev/sda1",
                            **root}}, where="source.outscale-bsusurrogate.x")


def test_an_io1_root_from_a_gp2_launch_device_needs_iops():
    with pytest.raises(ConfigError) as info:
        load({"volume_type": "gp2"}, {"volume_type": "io1"})
    assert ("omi_root_device: volume_type \"io1\" needs iops, and /dev/xvdf is not io1 (it has "
            "none to keep); set iops in omi_root_device, e.g. iops = 1000") in str(info.value)


def test_an_io1_root_keeps_the_iops_of_an_io1_launch_device_or_sets_its_own():
    assert load({"volume_type": "io1", "iops": 500}, {"volume_type": "io1"})
    assert load({"volume_type": "gp2"}, {"volume_type": "io1", "iops": 900})


def test_a_wrong_root_volume_type_shows_the_value_and_the_valid_ones():
    with pytest.raises(ConfigError, match=r"omi_root_device\.volume_type: 'fast' is not a "
                                          r"volume type; use one of: standard, gp2, io1"):
        load({}, {"volume_type": "fast"})
