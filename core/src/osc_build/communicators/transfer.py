"""Files and directories over SFTP, with the modes of the local files kept."""

from __future__ import annotations

import logging
import posixpath
import stat
from pathlib import Path

import paramiko

log = logging.getLogger(__name__)


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


def put_file(sftp: paramiko.SFTPClient, source: Path, destination: str) -> None:
    sftp.put(str(source), destination)
    sftp.chmod(destination, source.stat().st_mode & 0o7777)


def put_tree(sftp: paramiko.SFTPClient, source: Path, destination: str) -> int:
    """Upload the contents of directory ``source`` into ``destination``; count the files."""
    makedirs(sftp, destination)
    count = 0
    for entry in sorted(source.iterdir()):
        target = posixpath.join(destination, entry.name)
        if entry.is_dir():
            count += put_tree(sftp, entry, target)
        elif entry.is_file():
            put_file(sftp, entry, target)
            count += 1
        else:
            log.debug("skipping %s: neither a file nor a directory", entry)
    return count


def is_remote_dir(sftp: paramiko.SFTPClient, path: str) -> bool:
    return stat.S_ISDIR(sftp.stat(path).st_mode or 0)


def get_file(sftp: paramiko.SFTPClient, source: str, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    sftp.get(source, str(destination))
    mode = sftp.stat(source).st_mode
    if mode is not None:
        destination.chmod(mode & 0o7777)


def get_tree(sftp: paramiko.SFTPClient, source: str, destination: Path) -> int:
    """Download the contents of remote directory ``source`` into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    count = 0
    for attrs in sorted(sftp.listdir_attr(source), key=lambda a: a.filename):
        remote = posixpath.join(source, attrs.filename)
        local = destination / attrs.filename
        if stat.S_ISDIR(attrs.st_mode or 0):
            count += get_tree(sftp, remote, local)
        elif stat.S_ISREG(attrs.st_mode or 0):
            get_file(sftp, remote, local)
            count += 1
    return count
