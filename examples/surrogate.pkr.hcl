# An outscale-bsusurrogate build: a surrogate VM gets an extra volume at /dev/xvdf, the
# provisioner puts a new root filesystem on it, and the OMI is registered from the volume's
# snapshot with /dev/xvdf becoming its root device /dev/sda1. The surrogate's own disk is
# not part of the OMI.
#
#   osc-build build --local examples/surrogate.pkr.hcl     (on the local simulator)
#
# The root filesystem here is a copy of the surrogate's own userland plus the default
# user's home (with its authorized_keys): enough for a simulator VM, which boots a root
# filesystem directly (the surrogate runs the simulator's minimal userland image, whose
# init the copy keeps). On OUTSCALE the volume must also hold a kernel and a boot loader:
# install a distribution there instead (debootstrap, dnf --installroot, ...).

packer {
  required_plugins {
    outscale = {
      source  = "github.com/outscale/outscale"
      version = ">= 1.0.0"
    }
  }
}

variable "region" {
  type    = string
  default = "eu-west-2"
}

variable "omi_name" {
  type    = string
  default = "surrogate-{{timestamp}}"
}

source "outscale-bsusurrogate" "scratch" {
  region  = var.region
  vm_type = "tinav7.c1r1p1"

  source_omi_filter {
    filters = {
      image-name = "Minimal-Host-Userland-*"
    }
    owners      = ["Outscale"]
    most_recent = true
  }

  launch_block_device_mappings {
    device_name           = "/dev/xvdf"
    volume_size           = 2
    volume_type           = "gp2"
    delete_on_vm_deletion = true
  }

  omi_root_device {
    source_device_name    = "/dev/xvdf"
    device_name           = "/dev/sda1"
    volume_size           = 4
    volume_type           = "standard"
    delete_on_vm_deletion = true
  }

  ssh_username = "outscale"
  omi_name     = var.omi_name
  tags = {
    Name      = "surrogate-example"
    SourceOMI = "{{ .SourceOMI }}"
  }
}

build {
  sources = ["source.outscale-bsusurrogate.scratch"]

  provisioner "shell" {
    execute_command = "sudo sh -c '{{ .Vars }} {{ .Path }}'"
    inline = [
      "set -eu",
      "echo ',,L' | sfdisk -q /dev/xvdf",
      "for i in $(seq 100); do [ -b /dev/xvdf1 ] && break; sleep 0.1; done",
      "mkfs.ext4 -q -L root /dev/xvdf1",
      "mkdir -p /mnt/root && mount /dev/xvdf1 /mnt/root",
      "for d in bin sbin lib lib64 usr etc; do [ -e /$d ] && cp -a /$d /mnt/root/; done",
      "cd /mnt/root && mkdir -p proc dev sys run tmp mnt root home var/lib var/log var/tmp",
      "chmod 1777 /mnt/root/tmp /mnt/root/var/tmp && chmod 700 /mnt/root/root",
      "cp -a /home/outscale /mnt/root/home/",
      "echo 'built by the outscale-bsusurrogate example' > /mnt/root/etc/surrogate-release",
      "cd / && sync && umount /mnt/root",
    ]
  }
}
