"""The root volume's options (size, type, tags) and the new OMI's devices, step by step
against the simulator."""

from __future__ import annotations

import pytest

from osc_build.config import load_options
from osc_build.context import BuildContext
from osc_build.ui import Ui
from osc_build_chroot import root_volume
from osc_build_chroot.options import ChrootOptionsSchema
from osc_build_chroot.state import ChrootBuildState
from osc_build_outscale.client import Credentials, OscClient

from .vms import REGION, gateway

pytestmark = pytest.mark.slow


def _setup(sim, **config) -> tuple[BuildContext, ChrootBuildState]:
    # source_omi only satisfies the options: the steps read state.source_image.
    options = load_options(ChrootOptionsSchema, {"omi_name": "unused",
                                                 "source_omi": "ami-12345678", **config},
                           where="source.outscale-chroot.t")
    ctx = BuildContext(name="outscale-chroot.t", builder="outscale-chroot", config=options,
                       ui=Ui("outscale-chroot.t"))
    creds = sim.credentials(REGION)  # each Region, its own account
    client = OscClient(Credentials(creds["access_key"], creds["secret_key"], region=REGION,
                                   endpoint=creds["endpoint"]))
    state = ChrootBuildState(client=client, subregion_name=f"{REGION}a")
    state.source_image = gateway(sim).ReadImages(Filters={
        "ImageNames": ["Debian-12-*"], "AccountAliases": ["Outscale"]})["Images"][0]
    return ctx, state


def test_volume_from_the_source_gets_size_type_and_rendered_tags(sim):
    ctx, state = _setup(sim, root_volume_size=15, root_volume_type="gp2",
                        root_volume_tags={"origin": "{{ .SourceOMIName }}",
                                          "where": "{{ .BuildRegion }}"})
    root_volume.create_volume(ctx, state)
    try:
        found = gateway(sim).ReadVolumes(Filters={"VolumeIds": [state.volume_id]})["Volumes"][0]
        source_root = state.source_image["BlockDeviceMappings"][0]["Bsu"]
        assert (found["Size"], found["VolumeType"]) == (15, "gp2")
        assert found["SnapshotId"] == source_root["SnapshotId"]
        assert found["SubregionName"] == f"{REGION}a"
        tags = {t["Key"]: t["Value"] for t in found["Tags"]}
        assert tags["origin"] == state.source_image["ImageName"]
        assert tags["where"] == REGION
        assert tags["osc-build:run-id"] == ctx.run_id
    finally:
        ctx.resources.unwind(succeeded=False)
    assert not gateway(sim).ReadVolumes(Filters={"VolumeIds": [state.volume_id]})["Volumes"]


def test_a_smaller_size_than_the_source_keeps_the_source_size(sim):
    ctx, state = _setup(sim, root_volume_size=1)
    root_volume.create_volume(ctx, state)
    try:
        found = gateway(sim).ReadVolumes(Filters={"VolumeIds": [state.volume_id]})["Volumes"][0]
        assert found["Size"] == state.source_image["BlockDeviceMappings"][0]["Bsu"]["VolumeSize"]
    finally:
        ctx.resources.unwind(succeeded=False)


def test_new_omi_devices_from_the_source_plus_extra_mappings(sim):
    ctx, state = _setup(sim, root_volume_size=30, root_volume_type="standard",
                        omi_block_device_mappings=[{"device_name": "/dev/xvdb",
                                                    "volume_size": 5, "volume_type": "gp2"}])
    state.snapshot_id = "snap-new"
    mappings, root, architecture = root_volume._mappings(ctx, state)
    assert root == state.source_image["RootDeviceName"]
    assert architecture == state.source_image["Architecture"]
    by_name = {m["DeviceName"]: m["Bsu"] for m in mappings}
    assert by_name[root]["SnapshotId"] == "snap-new"
    assert by_name[root]["VolumeSize"] == 30 and by_name[root]["VolumeType"] == "standard"
    assert by_name["/dev/xvdb"] == {"DeleteOnVmDeletion": False, "VolumeSize": 5,
                                    "VolumeType": "gp2"}


def test_from_scratch_omi_devices_are_the_given_ones(sim):
    ctx, state = _setup(sim, from_scratch=True, root_volume_size=8,
                        root_device_name="/dev/sda1", pre_mount_commands=["mkfs {{.Device}}"],
                        omi_block_device_mappings=[{"device_name": "/dev/sda1",
                                                    "volume_type": "gp2",
                                                    "delete_on_vm_deletion": True}])
    state.snapshot_id = "snap-new"
    mappings, root, architecture = root_volume._mappings(ctx, state)
    assert (root, architecture) == ("/dev/sda1", "x86_64")
    assert mappings == [{"DeviceName": "/dev/sda1", "Bsu": {
        "DeleteOnVmDeletion": True, "VolumeType": "gp2", "SnapshotId": "snap-new",
        "VolumeSize": 8}}]


def test_io1_root_from_a_source_that_is_not_io1_is_a_clear_error(sim):
    from osc_build.errors import BuildError

    ctx, state = _setup(sim, root_volume_type="io1")
    with pytest.raises(BuildError, match=r"root_volume_type = \"io1\" needs iops"):
        root_volume.create_volume(ctx, state)
    assert ctx.resources.pending == []
