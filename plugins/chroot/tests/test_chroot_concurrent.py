"""Three chroot builds at once on one machine get distinct devices; the device and mount
options have their effect."""

from __future__ import annotations

import json
import re

import pytest

from .helpers import cloud_leftovers, machine_leftovers

pytestmark = pytest.mark.slow

TEMPLATE = """
source "outscale-chroot" "custom" {
  region      = "us-east-2"
  omi_name    = "chroot-custom-{{timestamp}}"
  source_omi_filter {
    filters = { image-name = "Minimal-Host-Userland-*" }
    owners  = ["Outscale"]
    most_recent = true
  }
  device_path   = "/dev/xvdk"
  mount_path    = "/mnt/packer-outscale-chroot-volumes/custom-{{.Device}}"
  mount_options = ["noatime"]
  chroot_mounts = [["proc", "proc", "/proc"]]
  copy_files    = ["/etc/hostname"]
  post_mount_commands = [
    "grep ' {{.MountPath}} ' /proc/mounts | grep -q noatime",
    "test {{.Device}} = /dev/xvdk",
  ]
}
source "outscale-chroot" "default" {
  region      = "us-east-2"
  omi_name    = "chroot-default-{{timestamp}}"
  source_omi_filter {
    filters = { image-name = "Minimal-Host-Userland-*" }
    owners  = ["Outscale"]
    most_recent = true
  }
}
source "outscale-chroot" "again" {
  region      = "us-east-2"
  omi_name    = "chroot-again-{{timestamp}}"
  source_omi_filter {
    filters = { image-name = "Minimal-Host-Userland-*" }
    owners  = ["Outscale"]
    most_recent = true
  }
}
build {
  sources = ["source.outscale-chroot.custom", "source.outscale-chroot.default",
             "source.outscale-chroot.again"]
  provisioner "shell" {
    only   = ["outscale-chroot.custom"]
    inline = ["test -e /proc/self/status", "test ! -e /sys/kernel", "test -s /etc/hostname",
              "test ! -e /dev/pts/ptmx"]
  }
  provisioner "shell" {
    only   = ["outscale-chroot.default", "outscale-chroot.again"]
    inline = ["test -e /sys/kernel", "test -e /dev/null", "test -s /etc/resolv.conf",
              "sleep 2"]  # the builds overlap: each holds its device meanwhile
  }
}
"""


def test_three_builds_at_once_with_their_options(build, sim):
    result = build(TEMPLATE)
    assert result.returncode == 0, result.output
    custom = re.search(r"custom: Mounting (\S+) at (\S+)\.\.\.", result.stdout)
    default = re.search(r"default: Mounting (\S+) at (\S+)\.\.\.", result.stdout)
    again = re.search(r"again: Mounting (\S+) at (\S+)\.\.\.", result.stdout)
    assert custom.groups() == ("/dev/xvdk", "/mnt/packer-outscale-chroot-volumes/custom-xvdk")
    assert len({custom.group(1), default.group(1), again.group(1)}) == 3, result.stdout
    assert default.group(2) == f"/mnt/packer-outscale-chroot-volumes/{default.group(1)[5:]}"
    assert result.stdout.count("OMIs were created") == 3
    assert machine_leftovers(sim) == []
    assert cloud_leftovers(sim) == {}, json.dumps(cloud_leftovers(sim))
