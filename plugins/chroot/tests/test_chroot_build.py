"""outscale-chroot end to end on the simulator's host VM: the official examples, a build
from a public OMI with provisioners, a from_scratch build, and booting what they made."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from osc_build_sim.machine.rootfs import cached_tree

from .helpers import EXAMPLES, cloud_leftovers, machine_leftovers
from .vms import gateway, read_files_in_vm

pytestmark = pytest.mark.slow


def _image_id(result) -> str:
    assert result.returncode == 0, result.output
    line = [x for x in result.stdout.splitlines() if x.startswith("us-east-2: ami-")][-1]
    return line.split()[-1]


@pytest.mark.parametrize("example", ["osc-chroot.pkr.hcl", "osc-chroot-from-scratch.pkr.hcl"])
def test_official_example_runs_unchanged(build, sim, tmp_path, example):
    work = tmp_path / "example"
    work.mkdir()
    shutil.copy(EXAMPLES / example, work)
    shutil.copy(EXAMPLES / "variables.auto.pkrvars.hcl", work)
    image_id = _image_id(build(work))
    image = gateway(sim).ReadImages(Filters={"ImageIds": [image_id]})["Images"][0]
    assert image["State"] == "available"
    assert image["ImageName"].startswith("packer-example-")
    assert machine_leftovers(sim) == []
    assert cloud_leftovers(sim) == {}, json.dumps(cloud_leftovers(sim))


FROM_SOURCE = """
source "outscale-chroot" "main" {
  region   = "us-east-2"
  omi_name = "chroot-provisioned-{{timestamp}}"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  root_volume_size = 12
  root_volume_tags = { origin = "{{ .SourceOMIName }}" }
  tags             = { built-by = "chroot" }
  snapshot_tags    = { part = "root" }
  omi_account_ids  = ["111122223333"]
  command_wrapper  = "env OSC_WRAPPED=yes {{.Command}}"
}
build {
  sources = ["source.outscale-chroot.main"]
  provisioner "shell" {
    inline = ["echo \\"built in a chroot ($OSC_WRAPPED)\\" > /etc/chroot-built.txt",
              "test -f /etc/resolv.conf", "test \\"$GREETING\\" = 'hello there'"]
    environment_vars = ["GREETING=hello there"]
  }
  provisioner "file" {
    source      = "PKG/"
    destination = "/opt/mypkg"
  }
  provisioner "file" {
    direction   = "download"
    source      = "/etc/chroot-built.txt"
    destination = "OUT/"
  }
}
"""


def test_build_from_public_omi_with_provisioners_boots(build, sim, tmp_path):
    package = tmp_path / "pkg"
    (package / "bin").mkdir(parents=True)
    (package / "bin" / "tool").write_text("#!/bin/sh\necho tool 1.0\n")
    (package / "VERSION").write_text("1.0\n")
    result = build(FROM_SOURCE.replace("PKG", str(package)).replace("OUT", str(tmp_path / "out")))
    image_id = _image_id(result)
    assert "Provisioning in the chroot" in result.stdout
    assert "Copying source OMI" in result.stdout  # an Outscale OMI: copied into the account
    assert (tmp_path / "out" / "chroot-built.txt").read_text() == "built in a chroot (yes)\n"
    assert not os.path.exists("/mnt/packer-outscale-chroot-volumes/xvdf")
    assert machine_leftovers(sim) == []
    assert cloud_leftovers(sim) == {}, json.dumps(cloud_leftovers(sim))
    gw = gateway(sim)
    own = gw.ReadImages(Filters={"AccountIds": [sim.account_id]})["Images"]
    assert not [i for i in own if "-osc-build-copy-" in i["ImageName"]]  # the copy is gone
    image = gw.ReadImages(Filters={"ImageIds": [image_id]})["Images"][0]
    assert {t["Key"]: t["Value"] for t in image["Tags"]} == {"built-by": "chroot"}
    root = next(m for m in image["BlockDeviceMappings"]
                if m["DeviceName"] == image["RootDeviceName"])
    assert root["Bsu"]["VolumeSize"] == 12
    assert image["PermissionsToLaunch"]["AccountIds"] == ["111122223333"]
    snapshot = gw.ReadSnapshots(Filters={"SnapshotIds": [root["Bsu"]["SnapshotId"]]})[
        "Snapshots"][0]
    assert {t["Key"]: t["Value"] for t in snapshot["Tags"]} == {"built-by": "chroot",
                                                                "part": "root"}
    files = read_files_in_vm(sim, tmp_path, image_id, [
        "/etc/chroot-built.txt", "/opt/mypkg/bin/tool", "/opt/mypkg/VERSION",
        "/etc/resolv.conf"])
    assert files["/etc/chroot-built.txt"] == "built in a chroot (yes)\n"
    assert files["/opt/mypkg/bin/tool"] == "#!/bin/sh\necho tool 1.0\n"
    assert files["/opt/mypkg/VERSION"] == "1.0\n"
    assert files["/etc/resolv.conf"] == ""  # copy_files are removed before the snapshot


FROM_SCRATCH = """
source "outscale-chroot" "scratch" {
  region       = "us-east-2"
  omi_name     = "chroot-scratch-{{timestamp}}"
  from_scratch = true
  pre_mount_commands = [
    "parted -s {{.Device}} mklabel msdos mkpart primary 1M 100% set 1 boot on",
    "partprobe",
    "mkfs.ext4 -q {{.Device}}1",
  ]
  post_mount_commands = [
    "cp -a TREE/. {{.MountPath}}/",
    "echo 'from scratch' > {{.MountPath}}/etc/scratch.txt",
  ]
  root_volume_size = 2
  root_device_name = "/dev/sda1"
  omi_block_device_mappings {
    device_name = "/dev/sda1"
    volume_type = "gp2"
  }
}
build {
  sources = ["source.outscale-chroot.scratch"]
  provisioner "shell" {
    inline = ["echo provisioned >> /etc/scratch.txt"]
  }
}
"""


def test_from_scratch_build_with_a_userland_boots(build, sim, tmp_path):
    tree = cached_tree(sim.data_dir / "machine" / "cache")
    image_id = _image_id(build(FROM_SCRATCH.replace("TREE", str(tree))))
    assert machine_leftovers(sim) == []
    assert cloud_leftovers(sim) == {}, json.dumps(cloud_leftovers(sim))
    image = gateway(sim).ReadImages(Filters={"ImageIds": [image_id]})["Images"][0]
    assert image["RootDeviceName"] == "/dev/sda1"
    assert image["BlockDeviceMappings"][0]["Bsu"]["VolumeSize"] == 2
    files = read_files_in_vm(sim, tmp_path, image_id, ["/etc/scratch.txt"])
    assert files["/etc/scratch.txt"] == "from scratch\nprovisioned\n"
