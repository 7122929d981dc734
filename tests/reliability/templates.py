"""One small template per cloud builder, without SSH (the null backend boots no OS)."""

from __future__ import annotations

SOURCE_OMI = """
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Minimal-Host-Userland-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator                = "none"
  associate_public_ip_address = true
"""

BUILDERS = {
    "outscale-bsu": """
source "outscale-bsu" "main" {%(common)s
  omi_name = "rel-{{uuid}}"
%(extra)s
}
""",
    "outscale-bsuvolume": """
source "outscale-bsuvolume" "main" {%(common)s
  bsu_volumes {
    device_name = "/dev/xvdb"
    volume_size = 1
  }
%(extra)s
}
""",
    "outscale-bsusurrogate": """
source "outscale-bsusurrogate" "main" {%(common)s
  omi_name = "rel-{{uuid}}"
  launch_block_device_mappings {
    device_name           = "/dev/xvdf"
    volume_size           = 1
    delete_on_vm_deletion = false
  }
  omi_root_device {
    source_device_name = "/dev/xvdf"
    device_name        = "/dev/sda1"
  }
%(extra)s
}
""",
}


def template(builder: str, extra: str = "", build_body: str = "") -> str:
    source = BUILDERS[builder] % {"common": SOURCE_OMI, "extra": extra}
    return source + f'build {{\n  sources = ["source.{builder}.main"]\n{build_body}\n}}\n'
