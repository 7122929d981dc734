variable "disks" {
  default = { "/dev/sdb" = 50, "/dev/sdc" = 100 }
}
source "outscale-bsu" "blocks" {
  source_omi_filter {
    filters = {
      image-name = "Debian-12-*"
    }
    owners      = ["Outscale"]
    most_recent = true
  }
  launch_block_device_mappings {
    device_name           = "/dev/sda1"
    volume_size           = 20
    delete_on_vm_deletion = true
  }
  dynamic "launch_block_device_mappings" {
    for_each = var.disks
    iterator = disk
    content {
      device_name = disk.key
      volume_size = disk.value
    }
  }
}
build {
  sources = ["source.outscale-bsu.blocks"]
}
