"""Accounts and terminals inside a VM, read or opened from this machine."""

from __future__ import annotations

import fcntl
import os
import struct
from dataclasses import dataclass

TIOCSPTLCK = 0x40045431  # unlock a pty's slave side
TIOCGPTPEER = 0x5441  # open the slave side without a path lookup (Linux 4.13)


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: str
    shell: str


def parse_passwd(text: str) -> dict[str, User]:
    users = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and fields[2].isdigit() and fields[3].isdigit():
            users[fields[0]] = User(fields[0], int(fields[2]), int(fields[3]), fields[5],
                                    fields[6] or "/bin/sh")
    return users


def pty_pair(dev_dir: int) -> tuple[int, int]:
    """A pty from the devpts mounted at ``pts`` in ``dev_dir`` (a VM's /dev), else a local one.

    No path is followed: a VM's root could have replaced ``pts`` or ``ptmx`` by links.
    """
    try:
        pts = os.open("pts", os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dev_dir)
        try:
            master = os.open("ptmx", os.O_RDWR | os.O_NOCTTY | os.O_NOFOLLOW, dir_fd=pts)
        finally:
            os.close(pts)
    except OSError:
        return os.openpty()
    try:
        if os.fstat(master).st_rdev != os.makedev(5, 2):
            raise OSError("not a pty multiplexer")
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
        slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        os.close(master)
        return os.openpty()
    return master, slave
