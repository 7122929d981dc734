"""Files and directories over SFTP, with the modes of the local files kept."""

from __future__ import annotations

import fnmatch
import logging
import posixpath
import stat
from collections.abc import Callable
from pathlib import Path

import paramiko

log = logging.getLogger(__name__)

Check = Callable[[], None]  # raises to abort a transfer (e.g. when the build is cancelled)


def _progress(check: Check | None) -> Callable[[int, int], None] | None:
    return (lambda _done, _total: check()) if check is not None else None


def makedirs(sftp: paramiko.SFTPClient, path: str) -> None:
    """``mkdir -p`` on the remote side."""
    if not path or path == "/":
        return
    try:
        if stat.S_ISDIR(sftp.stat(path).st_mode or 0):
            return
    except FileNotFoundError:
        pass
    makedirs(sftp, posixpath.dirname(path.rstrip("/")))
    try:
        sftp.mkdir(path)
    except OSError:
        if not stat.S_ISDIR(sftp.stat(path).st_mode or 0):
            raise


def put_file(sftp: paramiko.SFTPClient, source: Path, destination: str,
             check: Check | None = None) -> None:
    sftp.put(str(source), destination, callback=_progress(check))
    sftp.chmod(destination, source.stat().st_mode & 0o7777)


def put_tree(sftp: paramiko.SFTPClient, source: Path, destination: str,
             check: Check | None = None) -> int:
    """Upload the contents of directory ``source`` into ``destination``; count the files."""
    makedirs(sftp, destination)
    count = 0
    for entry in sorted(source.iterdir()):
        target = posixpath.join(destination, entry.name)
        if entry.is_dir():
            count += put_tree(sftp, entry, target, check)
        elif entry.is_file():
            put_file(sftp, entry, target, check)
            count += 1
        else:
            log.debug("skipping %s: neither a file nor a directory", entry)
    return count


def is_remote_dir(sftp: paramiko.SFTPClient, path: str) -> bool:
    return stat.S_ISDIR(sftp.stat(path).st_mode or 0)


def get_file(sftp: paramiko.SFTPClient, source: str, destination: Path,
             check: Check | None = None) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    sftp.get(source, str(destination), callback=_progress(check))
    mode = sftp.stat(source).st_mode
    if mode is not None:
        destination.chmod(mode & 0o7777)


def get_tree(sftp: paramiko.SFTPClient, source: str, destination: Path,
             check: Check | None = None) -> int:
    """Download the contents of remote directory ``source`` into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    count = 0
    for attrs in sorted(sftp.listdir_attr(source), key=lambda a: a.filename):
        remote = posixpath.join(source, attrs.filename)
        local = destination / attrs.filename
        if stat.S_ISDIR(attrs.st_mode or 0):
            count += get_tree(sftp, remote, local, check)
        elif stat.S_ISREG(attrs.st_mode or 0):
            get_file(sftp, remote, local, check)
            count += 1
    return count


def get_matches(sftp: paramiko.SFTPClient, pattern: str, destination: Path,
                check: Check | None = None) -> int:
    """Download the entries of a directory whose names match ``pattern``'s last part."""
    folder, name = posixpath.split(pattern)
    matches = sorted(f for f in sftp.listdir(folder or ".") if fnmatch.fnmatchcase(f, name))
    if matches:
        destination.mkdir(parents=True, exist_ok=True)
    for match in matches:
        remote = posixpath.join(folder, match)
        if is_remote_dir(sftp, remote):
            get_tree(sftp, remote, destination / match, check)
        else:
            get_file(sftp, remote, destination / match, check)
    return len(matches)
