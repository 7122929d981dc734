"""How the OMI's block devices are made of the snapshots (no API needed)."""

from __future__ import annotations

from osc_build.config import load_options
from osc_build_surrogate.devices import omi_mappings, snapshotted_devices
from osc_build_surrogate.options import SurrogateOptionsSchema

REQUIRED = {"vm_type": "tinav7.c1r1p2", "source_omi": "ami-12345678", "omi_name": "built",
            "ssh_username": "outscale"}
CONFIG = {
    "launch_block_device_mappings": [
        {"device_name": "/dev/xvdf", "volume_size": 8, "volume_type": "io1", "iops": 500,
         "delete_on_vm_deletion": True},
        {"device_name": "/dev/xvdg", "volume_size": 1, "volume_type": "gp2"},
        {"device_name": "/dev/xvdz", "no_device": True},
    ],
    "omi_block_device_mappings": [
        {"device_name": "/dev/xvdg", "volume_size": 50},
        {"device_name": "/dev/xvdh", "volume_size": 3, "snapshot_id": "snap-0123abcd"},
    ],
    "omi_root_device": {"source_device_name": "/dev/xvdf", "device_name": "/dev/sda1",
                        "volume_size": None, "volume_type": None, "iops": 900,
                        "delete_on_vm_deletion": None},
}


def loaded(config):
    return load_options(SurrogateOptionsSchema, {**REQUIRED, **config},
                        where="source.outscale-bsusurrogate.t")


def test_suppressed_launch_devices_are_not_snapshotted():
    assert snapshotted_devices(loaded(CONFIG)) == ["/dev/xvdf", "/dev/xvdg"]


def test_root_inherits_the_launch_device_and_takes_what_omi_root_device_sets():
    mappings = omi_mappings(loaded(CONFIG), {"/dev/xvdf": "snap-f", "/dev/xvdg": "snap-g"})
    assert mappings == [
        {"DeviceName": "/dev/sda1", "Bsu": {"DeleteOnVmDeletion": True, "VolumeSize": 8,
                                            "VolumeType": "io1", "Iops": 900,
                                            "SnapshotId": "snap-f"}},
        # the launch device replaces the omi_block_device_mappings entry of its name
        {"DeviceName": "/dev/xvdg", "Bsu": {"DeleteOnVmDeletion": False, "VolumeSize": 1,
                                            "VolumeType": "gp2", "SnapshotId": "snap-g"}},
        {"DeviceName": "/dev/xvdh", "Bsu": {"DeleteOnVmDeletion": False, "VolumeSize": 3,
                                            "SnapshotId": "snap-0123abcd"}},
    ]


def test_iops_do_not_survive_a_root_that_is_no_longer_io1():
    config = {**CONFIG, "omi_block_device_mappings": [], "omi_root_device": {
        **CONFIG["omi_root_device"], "volume_type": "gp2", "iops": None,
        "delete_on_vm_deletion": False, "volume_size": 10}}
    [root, _] = omi_mappings(loaded(config), {"/dev/xvdf": "snap-f", "/dev/xvdg": "snap-g"})
    assert root["Bsu"] == {"DeleteOnVmDeletion": False, "VolumeSize": 10, "VolumeType": "gp2",
                           "SnapshotId": "snap-f"}
