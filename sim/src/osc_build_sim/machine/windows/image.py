"""The root volume of the simulator's Windows images: C:\\ with Windows' top directories.

The guest's init is the minimal image's (``rootfs``): the volume holds that userland too,
so C:\\ also shows its Linux directories (usr, etc, ...). Windows, Users\\Administrator,
Program Files and ProgramData exist as on Windows Server; ``Windows\\System32`` holds a
marker file saying what this volume is.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from osc_build_sim.backend import BackendError
from osc_build_sim.machine import rootfs

IMAGE_VERSION = "1"
DIRECTORIES = ("Windows/System32", "Windows/Temp", "Users/Administrator/Desktop",
               "Users/Administrator/AppData/Local/Temp", "Users/Public", "Program Files",
               "Program Files (x86)", "ProgramData")
MARKER = "Windows/System32/osc-build-sim-windows.txt"


def cached_image(cache_dir: Path, size_gib: int) -> Path:
    """A sparse raw ext4 image of ``size_gib`` GiB: the Windows guest's C:, built once."""
    base = rootfs.cached_tree(cache_dir)
    image = cache_dir / f"windows{IMAGE_VERSION}-{base.name}-{size_gib}g.ext4"
    if image.exists():
        return image
    staging = Path(tempfile.mkdtemp(prefix=".windows-", dir=cache_dir))
    try:
        tree = staging / "tree"
        result = subprocess.run(["cp", "-a", str(base), str(tree)], capture_output=True,
                                text=True, check=False)
        if result.returncode != 0:
            raise BackendError(f"cannot copy the userland for the Windows image: "
                               f"{result.stderr.strip()}")
        for directory in DIRECTORIES:
            (tree / directory).mkdir(parents=True, exist_ok=True)
        (tree / MARKER).write_text(
            "C: of an osc-build-sim Windows guest: not Windows. Commands sent over WinRM are "
            "interpreted by the simulator (see docs/simulator-fidelity.md).\r\n")
        rootfs.write_ext4_image(tree, image, size_gib, what="the Windows image")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return image
