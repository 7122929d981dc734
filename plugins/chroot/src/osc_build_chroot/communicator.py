"""The chroot communicator: provisioners' commands run inside the mounted volume.

Commands go through command_wrapper as ``chroot MOUNT /bin/sh -c CMD``; files
are copied straight into the mount (and out of it for downloads).
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build.provision import CommandTimeout
from osc_build_chroot import commands

log = logging.getLogger(__name__)


class ChrootCommunicator:
    """Runs commands in ``chroot mount_path`` and moves files in and out of the mount."""

    def __init__(self, ctx: BuildContext, mount_path: str) -> None:
        self.ctx = ctx
        self.root = mount_path

    def inside(self, path: str) -> str:
        """The host path of ``path`` inside the chroot, symlinks followed as the chroot
        sees them (an absolute link in the image never leads to this machine's files)."""
        return resolve_inside(self.root, path)

    def run(self, command: str, *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> int:
        """Run a shell command in the chroot, streaming its output; return its status."""
        from osc_build.communicators.ssh import with_env

        inner = with_env(command, env)
        names = ", ".join(sorted(env or ())) or "none"
        full = f"chroot {shlex.quote(self.root)} /bin/sh -c {shlex.quote(inner)}"
        try:
            status, _ = commands.run(self.ctx, full, timeout=timeout,
                                     log_as=f"chroot {self.root}: {command} (variables: "
                                            f"{names})")
        except subprocess.TimeoutExpired:
            raise CommandTimeout(f"command timed out after {timeout:g}s in the chroot: "
                                 f"{command.strip().splitlines()[0][:80]}") from None
        return status

    def upload(self, source: Path, destination: str) -> None:
        """A file to ``destination`` (into it when it ends with ``/``), or a directory's
        contents into ``destination``."""
        source = Path(source)
        if source.is_dir():
            target = self.inside(destination.rstrip("/") or "/")
            self._copy(f"mkdir -p {shlex.quote(target)} && cp -R "
                       f"{shlex.quote(str(source))}/. {shlex.quote(target)}",
                       f"upload of {source} to {destination}")
            return
        if destination.endswith("/"):
            destination += source.name
        target = self.inside(destination)
        self._copy(f"mkdir -p {shlex.quote(os.path.dirname(target))} && cp "
                   f"{shlex.quote(str(source))} {shlex.quote(target)}",
                   f"upload of {source} to {destination}")

    def upload_content(self, content: bytes | str, destination: str, *,
                       mode: int = 0o644) -> None:
        data = content.encode() if isinstance(content, str) else content
        with tempfile.NamedTemporaryFile(prefix="osc-build-chroot-") as handle:
            handle.write(data)
            handle.flush()
            target = self.inside(destination)
            self._copy(f"mkdir -p {shlex.quote(os.path.dirname(target))} && cp "
                       f"{shlex.quote(handle.name)} {shlex.quote(target)} && chmod "
                       f"{mode:o} {shlex.quote(target)}", f"upload to {destination}")

    def download(self, source: str, destination: Path) -> None:
        """A file, or a directory's contents, from the chroot to this machine."""
        inner = Path(self.inside(source))
        destination = Path(destination)
        try:
            if inner.is_dir():
                shutil.copytree(inner, destination, symlinks=True, dirs_exist_ok=True)
                return
            if destination.is_dir():
                destination = destination / inner.name
            shutil.copy2(inner, destination)
        except OSError as err:
            raise BuildError(f"download of {source} to {destination} failed: "
                             f"{err.strerror or err}") from None

    def clear_authorized_keys(self) -> None:
        """No key is involved in a chroot."""

    def close(self) -> None:
        """Nothing to close."""

    def _copy(self, command: str, what: str) -> None:
        commands.check(self.ctx, command, what=what, quiet=True)


MAX_LINKS = 40


def resolve_inside(root: str, path: str) -> str:
    """``path`` under ``root`` with every symlink resolved relative to ``root``."""
    root = os.path.realpath(root)
    current = root
    for part in path.strip("/").split("/"):
        if part in ("", "."):
            continue
        candidate = _clamped(root, os.path.join(current, part))
        for _ in range(MAX_LINKS):
            if not os.path.islink(candidate):
                break
            target = os.readlink(candidate)
            base = root if target.startswith("/") else os.path.dirname(candidate)
            candidate = _clamped(root, os.path.join(base, target.lstrip("/")))
        current = candidate
    return current


def _clamped(root: str, path: str) -> str:
    """``..`` cannot climb above the chroot's root, as inside a real chroot."""
    relative = os.path.relpath(os.path.normpath(path), root)
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    depth: list[str] = []
    for part in parts:
        if part == "..":
            if depth:
                depth.pop()
        else:
            depth.append(part)
    return os.path.join(root, *depth)
