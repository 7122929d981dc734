"""outscale-bsusurrogate on the null simulator: the OMI's devices come from the snapshots."""

from __future__ import annotations

import json

from osc_build_sim.testing import leftovers, tags_of

SOURCE = """
source "outscale-bsusurrogate" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator = "none"
  omi_name     = "%(name)s"
%(extra)s
}
build {
  sources = ["source.outscale-bsusurrogate.main"]
}
"""

DEVICES = """
  launch_block_device_mappings {
    device_name           = "/dev/xvdf"
    volume_size           = 4
    volume_type           = "io1"
    iops                  = 3000
    delete_on_vm_deletion = true
  }
  launch_block_device_mappings {
    device_name = "/dev/xvdg"
    volume_size = 2
  }
  omi_root_device {
    source_device_name    = "/dev/xvdf"
    device_name           = "/dev/sda1"
    volume_size           = 6
    volume_type           = "standard"
    delete_on_vm_deletion = false
  }
  omi_block_device_mappings {
    device_name = "/dev/xvdh"
    volume_size = 1
    volume_type = "gp2"
  }
"""


def template(name: str, extra: str = DEVICES) -> str:
    return SOURCE % {"name": name, "extra": extra}


def test_omi_registered_from_the_launch_devices_snapshots(build, sim):
    result = build(template("surrogate-devices", DEVICES + """
  tags          = { Name = "surrogate", Source = "{{ .SourceOMI }}" }
  snapshot_tags = { Kind = "root-or-data" }
  omi_regions   = ["us-east-2"]
  omi_account_ids      = ["111122223333"]
  snapshot_account_ids = ["444455556666"]
"""))
    assert result.returncode == 0, result.output
    [image] = [i for i in sim.resources("image") if i["ImageName"] == "surrogate-devices"
               and i["region"] == "eu-west-2"]
    assert image["RootDeviceName"] == "/dev/sda1"
    devices = {m["DeviceName"]: m["Bsu"] for m in image["BlockDeviceMappings"]}
    assert list(devices) == ["/dev/sda1", "/dev/xvdg", "/dev/xvdh"]
    snapshots = {s["SnapshotId"]: s for s in sim.resources("snapshot")}
    volumes_of_vm = {v["VolumeId"]: v for v in sim.resources("volume")}
    assert not volumes_of_vm  # the surrogate's volumes are gone
    root, data, empty = devices["/dev/sda1"], devices["/dev/xvdg"], devices["/dev/xvdh"]
    # omi_root_device's size, type and delete_on_vm_deletion reach the image; io1's iops do not
    assert (root["VolumeSize"], root["VolumeType"], root["DeleteOnVmDeletion"]) == (
        6, "standard", False)
    assert "Iops" not in root
    assert snapshots[root["SnapshotId"]]["VolumeSize"] == 4
    assert snapshots[data["SnapshotId"]]["VolumeSize"] == 2
    assert "SnapshotId" not in empty and empty["VolumeType"] == "gp2"
    [source] = [i for i in sim.resources("image")
                if i["ImageName"] == "Minimal-Host-Userland-2026.01.15-0"
                and i["region"] == "eu-west-2"]
    assert tags_of(image) == {"Name": "surrogate", "Source": source["ImageId"]}
    for bsu in (root, data):
        assert tags_of(snapshots[bsu["SnapshotId"]]) == {
            "Name": "surrogate", "Source": source["ImageId"], "Kind": "root-or-data"}
    assert image["PermissionsToLaunch"]["AccountIds"] == ["111122223333"]
    for bsu in (root, data):
        permissions = snapshots[bsu["SnapshotId"]]["PermissionsToCreateVolume"]
        assert permissions["AccountIds"] == ["444455556666"]
    [copy] = [i for i in sim.resources("image") if i["ImageName"] == "surrogate-devices"
              and i["region"] == "us-east-2"]
    assert f"us-east-2: {copy['ImageId']}" in result.stdout
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))


def test_force_deregister_replaces_the_omi_and_its_snapshots(build, sim):
    first = build(template("surrogate-again"))
    assert first.returncode == 0, first.output
    [old] = [i for i in sim.resources("image") if i["ImageName"] == "surrogate-again"]
    again = build(template("surrogate-again"))
    assert again.returncode == 1
    assert f"omi_name 'surrogate-again' is already used by {old['ImageId']}" in again.output
    forced = build(template("surrogate-again", DEVICES + """
  force_deregister      = true
  force_delete_snapshot = true
"""))
    assert forced.returncode == 0, forced.output
    [new] = [i for i in sim.resources("image") if i["ImageName"] == "surrogate-again"]
    assert new["ImageId"] != old["ImageId"]
    old_snapshots = {m["Bsu"].get("SnapshotId") for m in old["BlockDeviceMappings"]} - {None}
    assert len(old_snapshots) == 2
    assert not old_snapshots & {s["SnapshotId"] for s in sim.resources("snapshot")}
    assert leftovers(sim) == {}, json.dumps(leftovers(sim))
