"""What a dead chroot build did on this machine: mounts, undone before its volume goes.

The chroot builder mounts the volume it links to this VM (and /proc, /dev...
inside it); a build killed with SIGKILL leaves them mounted, and the volume
busy. Its journal names each mount: ``leftovers`` unmounts those still mounted,
first of all (``delete.ORDER``), so that the volume can be unlinked, then deleted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess

from osc_build.journal import JournalEntry
from osc_build_outscale.leftovers.find import Leftover
from osc_build_outscale.leftovers.journals import run_tags

HERE = "this machine"  # the "Region" of what a build did locally (chroot's mounts)


def left_mounted(entries: list[JournalEntry]) -> list[Leftover]:
    """Mounts a dead chroot build made on this machine and left (its volume stays busy
    until they go): unmounted before the volume is unlinked and deleted."""
    here = socket.gethostname()
    mounted = set(mount_points())
    found = []
    for entry in entries:
        if entry.host != here:
            continue
        tags = run_tags(entry)
        found += [Leftover("mount", r["id"], HERE, tags) for r in entry.resources
                  if r.get("kind") == "mount" and r.get("id") in mounted]
    return found


def mount_points() -> list[str]:
    try:
        with open("/proc/self/mountinfo") as mountinfo:
            return [fields[4].replace("\\040", " ") for fields in map(str.split, mountinfo)
                    if len(fields) > 4]
    except OSError:
        return []


def unmount(path: str) -> None:
    """Unmount ``path`` and every mount under it; lazily if something still uses them."""
    if path not in mount_points():
        return
    done = subprocess.run(["umount", "-R", path], capture_output=True, text=True)
    if done.returncode != 0:
        lazy = subprocess.run(["umount", "-R", "-l", path], capture_output=True, text=True)
        if lazy.returncode != 0:
            raise RuntimeError(f"cannot unmount {path}: {lazy.stderr.strip()}; unmount it "
                               "by hand (umount -R -l)")
    with contextlib.suppress(OSError):  # the build made it; kept if anything is left in it
        os.rmdir(path)
