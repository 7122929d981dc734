"""The template text the bsuvolume tests build, with the parts each test changes."""

from __future__ import annotations

SOURCE = """
source "outscale-bsuvolume" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator = "%(communicator)s"
%(extra)s
}
build {
  sources = ["source.outscale-bsuvolume.main"]
%(provisioners)s
}
"""

ONE_VOLUME = """
  bsu_volumes {
    device_name = "/dev/xvdb"
    volume_size = 1
  }
"""


def template(extra: str = ONE_VOLUME, communicator: str = "none",
             provisioners: str = "") -> str:
    return SOURCE % {"extra": extra, "communicator": communicator,
                     "provisioners": provisioners}
