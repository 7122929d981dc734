"""Templates the build benchmarks run: N outscale-bsu sources from the simulator's Debian."""

from __future__ import annotations

import itertools
import os

_runs = itertools.count(1)

SOURCE = """
source "outscale-bsu" "{name}" {{
  region  = "eu-west-2"
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {{
    filters     = {{ image-name = "Minimal-Host-Userland-*" }}
    owners      = ["Outscale"]
    most_recent = true
  }}
  {communicator}
  omi_name = "bench-{name}-{run}"
}}
"""


def bsu_template(sources: int = 1, *, ssh: bool = True) -> str:
    """``sources`` bsu builds; with ``ssh``, a one-line shell provisioner, else no communicator."""
    communicator = 'ssh_username = "outscale"' if ssh else 'communicator = "none"'
    names = [f"s{index}" for index in range(1, sources + 1)]
    run = f"{os.getpid()}-{next(_runs)}"  # builds finish within a second: no {{timestamp}}
    blocks = "".join(SOURCE.format(name=name, communicator=communicator, run=run)
                     for name in names)
    listed = ", ".join(f'"source.outscale-bsu.{name}"' for name in names)
    provisioner = '  provisioner "shell" { inline = ["true"] }\n' if ssh else ""
    return f"{blocks}\nbuild {{\n  sources = [{listed}]\n{provisioner}}}\n"
