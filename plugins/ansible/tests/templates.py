"""The template the end-to-end tests build: one outscale-bsu source, the build's blocks given."""

from __future__ import annotations

MINIMAL = "Minimal-Host-Userland-*"  # no Python, no init: raw tasks only, boots fast
DEBIAN = "Debian-12-*"  # a real Debian guest with apt and systemd


def bsu_build(omi_name: str, blocks: str, image: str = MINIMAL) -> str:
    """A template whose build runs ``blocks`` (provisioner blocks) on a VM of ``image``."""
    return f"""
source "outscale-bsu" "main" {{
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {{
    filters     = {{ image-name = "{image}" }}
    owners      = ["Outscale"]
    most_recent = true
  }}
  ssh_username = "outscale"
  omi_name     = "{omi_name}"
}}
build {{
  sources = ["source.outscale-bsu.main"]
{blocks}
}}
"""


def ansible_build(omi_name: str, options: str) -> str:
    """A build with one ``ansible`` provisioner of ``options``, on the minimal image."""
    return bsu_build(omi_name, f'  provisioner "ansible" {{\n{options}\n  }}')
