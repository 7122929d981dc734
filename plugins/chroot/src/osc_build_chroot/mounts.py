"""Mounting the volume and the chroot's extra mounts, and undoing all of it.

Every mount is recorded in the undo log the moment it succeeds, so a failure
or Ctrl-C at any later point unmounts, newest first, before the volume is
unlinked. The success path undoes the same entries itself, in the same order,
before the snapshot.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import time
from pathlib import Path

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_chroot import commands
from osc_build_chroot.communicator import resolve_inside
from osc_build_chroot.state import ChrootBuildState

log = logging.getLogger(__name__)

UNMOUNT_ATTEMPTS = 5


def mount_points() -> list[str]:
    """Every mount point of this namespace (from /proc/self/mountinfo)."""
    with open("/proc/self/mountinfo") as mountinfo:
        return [_unescape(fields[4]) for fields in map(str.split, mountinfo) if len(fields) > 4]


def is_mounted(path: str) -> bool:
    return os.path.realpath(path) in mount_points()


def mounts_under(path: str) -> list[str]:
    """Mount points strictly inside ``path``, deepest first."""
    prefix = os.path.realpath(path).rstrip("/") + "/"
    return sorted({p for p in mount_points() if p.startswith(prefix)}, key=len, reverse=True)


def _unescape(text: str) -> str:
    return text.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n") \
        .replace("\\134", "\\")


def unmount(ctx: BuildContext, path: str) -> None:
    """Unmount ``path`` (every mount stacked there); processes left in the chroot are
    killed first if they keep it busy, and mounts a provisioner made inside go first."""
    for inner in mounts_under(path):
        log.info("unmounting %s, mounted inside %s during the build", inner, path)
        unmount(ctx, inner)
    for attempt in range(UNMOUNT_ATTEMPTS):
        if not is_mounted(path):
            return
        status, output = commands.run(ctx, f"umount {shlex.quote(path)}", quiet=True)
        if status == 0:
            continue
        log.info("umount %s failed (%s); stopping processes that use it", path, output.strip())
        kill_processes_under(path)
        time.sleep(0.1 * (attempt + 1))
    if is_mounted(path):
        raise BuildError(f"cannot unmount {path}; a process still uses it (see fuser -vm "
                         f"{path}); unmount it by hand")


def kill_processes_under(path: str) -> None:
    """Kill processes whose root or working directory lies under ``path`` (left by
    provisioners: daemons started inside the chroot)."""
    prefix = os.path.realpath(path).rstrip("/") + "/"
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for link in ("root", "cwd"):
            try:
                target = os.readlink(f"/proc/{entry}/{link}")
            except OSError:
                continue
            if (target.rstrip("/") + "/").startswith(prefix):
                log.info("killing process %s, still inside %s", entry, path)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(entry), signal.SIGKILL)
                break


def _track_mount(ctx: BuildContext, state: ChrootBuildState, path: str) -> None:
    state.mounted.append(path)
    ctx.resources.track("mount", path, lambda: _undo_mount(ctx, state, path))


def _undo_mount(ctx: BuildContext, state: ChrootBuildState, path: str) -> None:
    unmount(ctx, path)
    if path in state.mounted:
        state.mounted.remove(path)


def _undo_volume_mount(ctx: BuildContext, state: ChrootBuildState, path: str) -> None:
    _undo_mount(ctx, state, path)
    with contextlib.suppress(OSError):  # made by this build; kept if anything is left in it
        os.rmdir(path)


def mount_device(ctx: BuildContext, state: ChrootBuildState) -> None:
    """Mount ``<device><mount_partition>`` at mount_path (made absolute, created 0750)."""
    from osc_build_chroot.devices import partition_node, table_partitions, wait_for_node

    config = ctx.config
    device = state.device_node
    path = os.path.abspath(commands.render(config.mount_path, {
        **state.build_info(), "Device": os.path.basename(device)}))
    partition = config.mount_partition
    if partition is None:  # a whole-disk file system has no partition 1 to mount
        partition = "1" if table_partitions(device) else ""
    node = partition_node(device, partition)
    wait_for_node(ctx, node, timeout=config.device_wait_timeout,
                  why=f"partition {partition or 'none'} of {device}")
    if is_mounted(path):
        raise BuildError(f"{path} is already a mount point (another build?); set another "
                         "mount_path")
    Path(path).mkdir(mode=0o750, parents=True, exist_ok=True)
    options = "".join(f" -o {shlex.quote(o)}" for o in config.mount_options or [])
    ctx.ui.say(f"Mounting {node} at {path}...")
    commands.check(ctx, f"mount{options} {shlex.quote(node)} {shlex.quote(path)}",
                   what=f"mounting {node}")
    state.mount_path = path
    state.mounted.append(path)
    ctx.resources.track("mount", path, lambda: _undo_volume_mount(ctx, state, path))


def mount_extra(ctx: BuildContext, state: ChrootBuildState) -> None:
    """The chroot_mounts, in order: ``mount -t TYPE SRC DEST`` or ``mount --bind``."""
    for fstype, source, destination in ctx.config.chroot_mounts:
        ctx.check_cancelled()
        inner = resolve_inside(state.mount_path, destination)
        Path(inner).mkdir(parents=True, exist_ok=True)
        how = "--bind" if fstype == "bind" else f"-t {shlex.quote(fstype)}"
        ctx.ui.message(f"mounting {destination} ({fstype})")
        commands.check(ctx, f"mount {how} {shlex.quote(source)} {shlex.quote(inner)}",
                       what=f"mounting {fstype} at {inner}")
        _track_mount(ctx, state, inner)


def copy_files(ctx: BuildContext, state: ChrootBuildState) -> None:
    """copy_files: host files into the chroot, removed again before the snapshot."""
    for source in ctx.config.copy_files or []:
        ctx.check_cancelled()
        parent = resolve_inside(state.mount_path, os.path.dirname(source))
        inner = os.path.join(parent, os.path.basename(source))
        Path(parent).mkdir(parents=True, exist_ok=True)
        ctx.ui.message(f"copying {source}")
        commands.check(ctx, f"cp --remove-destination {shlex.quote(source)} "
                            f"{shlex.quote(inner)}", what=f"copying {source} into the chroot")
        state.copied_files.append(inner)
        ctx.resources.track("copied file", inner, lambda p=inner: _remove_copy(ctx, p))


def _remove_copy(ctx: BuildContext, path: str) -> None:
    commands.check(ctx, f"rm -f {shlex.quote(path)}", what=f"removing {path}", quiet=True)


def early_cleanup(ctx: BuildContext, state: ChrootBuildState) -> None:
    """Before the snapshot: remove copied files, unmount newest first, unlink the volume.

    Runs the undo-log entries of this build's host-side work (everything since the
    volume was linked) in the same order a failure would, then forgets them.
    """
    ctx.ui.say("Unmounting and unlinking the volume...")
    local_kinds = ("copied file", "mount", "volume link")
    for entry in reversed(ctx.resources.pending):
        if entry.kind in local_kinds:
            ctx.check_cancelled()
            entry.delete()
            ctx.resources.forget(entry.id)
