"""ssh_username is checked once, by the communicator options every SSH builder mixes in."""

from __future__ import annotations

import pytest

from osc_build.config import load_options
from osc_build.errors import ConfigError
from osc_build_bsu.options import BsuOptionsSchema
from osc_build_bsuvolume.options import BsuVolumeOptionsSchema
from osc_build_surrogate.options import SurrogateOptionsSchema

BASE = {"communicator": "ssh", "vm_type": "tinav7.c1r1p2", "source_omi": "ami-12345678"}
OMI = {"omi_name": "image-name"}
VOLUME = {"device_name": "/dev/xvdf", "volume_size": 1}
OPTIONS = {
    BsuOptionsSchema: {**BASE, **OMI},
    BsuVolumeOptionsSchema: {**BASE, "bsu_volumes": [VOLUME]},
    SurrogateOptionsSchema: {**BASE, **OMI, "launch_block_device_mappings": [VOLUME],
                             "omi_root_device": {"source_device_name": "/dev/xvdf",
                                                 "device_name": "/dev/sda1"}},
}


@pytest.mark.parametrize("schema", list(OPTIONS), ids=lambda schema: schema.__name__)
def test_a_missing_ssh_username_is_reported_once(schema):
    with pytest.raises(ConfigError) as info:
        load_options(schema, OPTIONS[schema], where="source.x")
    lines = [line for line in str(info.value).splitlines() if "ssh_username" in line]
    assert lines == ['source.x: ssh_username: required with communicator = "ssh"; the image\'s '
                     'default user is usually "outscale"']
