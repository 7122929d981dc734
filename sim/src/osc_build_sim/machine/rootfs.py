"""The root filesystem of public images, assembled from this machine's own binaries.

No download: the userland (shell, coreutils, mount, mkfs.ext4, sfdisk, sudo, sftp-server,
scp ...) is copied from the host with the shared libraries ``ldd`` names, plus an /etc with
root and the image's default user. The tree is built once and cached; each size of
ext4 image made from it (``mkfs.ext4 -d``, no mount needed) is cached too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from osc_build_sim.backend import BackendError

log = logging.getLogger(__name__)

ROOTFS_VERSION = "6"  # 5 was used by two branches at once (scp; power commands)
DEFAULT_USER = "outscale"
DEFAULT_UID = 1000

COMMANDS = (
    # shells and coreutils
    "bash", "sh", "dash", "ls", "cat", "cp", "mv", "rm", "mkdir", "rmdir", "ln", "chmod",
    "chown", "chgrp", "touch", "echo", "printf", "head", "tail", "wc", "sort", "uniq", "cut",
    "tr", "tee", "env", "id", "whoami", "uname", "date", "sleep", "true", "false", "test", "[",
    "stat", "df", "du", "dd", "sync", "basename", "dirname", "readlink", "realpath", "mktemp",
    "md5sum", "sha256sum", "seq", "yes", "expr", "install", "nproc", "mknod", "truncate",
    "base64", "tac", "comm", "join", "paste", "split", "od", "tty", "stty", "nohup", "timeout",
    "hostname", "groups", "logname", "pwd", "fold", "cksum", "shred", "sha1sum",
    # text, archives, search
    "grep", "egrep", "fgrep", "sed", "awk", "tar", "gzip", "gunzip", "zcat", "find", "xargs",
    "diff", "cmp", "less", "more", "ps", "kill", "which",
    # disks
    "mount", "umount", "mkfs", "mkfs.ext4", "mkfs.ext2", "mke2fs", "e2fsck", "fsck.ext4",
    "resize2fs", "tune2fs", "blkid", "lsblk", "sfdisk", "fdisk", "partx", "losetup", "blockdev",
    "findmnt", "wipefs", "sgdisk", "parted", "partprobe",
    # users and privileges
    "sudo", "su", "setpriv", "chroot", "useradd", "groupadd", "usermod", "passwd", "getent",
    "nsenter", "unshare",
    # SSH: scp carries files by default (Packer's ssh_file_transfer_method); ssh-add shows
    # a forwarded agent, as on a cloud image with openssh-client
    "scp", "ssh-add",
)
EXTRA_FILES = (
    "/usr/lib/openssh/sftp-server",
    "/usr/libexec/sudo/sudoers.so",
    "/usr/libexec/sudo/libsudo_util.so.0",
    "/usr/libexec/sudo/sesh",
    "/usr/lib/x86_64-linux-gnu/security/pam_unix.so",
    "/usr/lib/x86_64-linux-gnu/security/pam_permit.so",
    "/usr/lib/x86_64-linux-gnu/security/pam_deny.so",
    "/etc/mke2fs.conf",
)
# Debian package of each command the image cannot do without.
REQUIRED = {
    "bash": "bash", "mount": "mount", "mkfs.ext4": "e2fsprogs", "sfdisk": "fdisk",
    "sudo": "sudo", "setpriv": "util-linux", "tar": "tar", "gzip": "gzip",
    "/usr/lib/openssh/sftp-server": "openssh-sftp-server", "scp": "openssh-client",
}
LDD_LINE = re.compile(r"(?:=>\s*)?(/\S+)\s+\(0x")


def missing_image_packages() -> list[str]:
    """Debian packages whose binaries a public image needs but this machine lacks."""
    missing = []
    for name, package in REQUIRED.items():
        found = os.path.exists(name) if name.startswith("/") else shutil.which(name)
        if not found:
            missing.append(package)
    return sorted(set(missing))


def _copy_path(path: str, root: Path) -> None:
    """Copy ``path`` into ``root`` at the same place, keeping every symlink on the way."""
    seen: set[str] = set()
    while path not in seen:
        seen.add(path)
        parent = os.path.realpath(os.path.dirname(path))
        src = os.path.join(parent, os.path.basename(path))
        dest = root / src.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if os.path.islink(src):
            target = os.readlink(src)
            if not dest.is_symlink():
                dest.unlink(missing_ok=True)
                dest.symlink_to(target)
            path = os.path.normpath(os.path.join(parent, target))
            continue
        if not dest.exists():
            shutil.copy2(src, dest)
        return


def _libraries(paths: list[str]) -> set[str]:
    libs: set[str] = set()
    for path in paths:
        result = subprocess.run(["ldd", path], capture_output=True, text=True, check=False)
        for line in result.stdout.splitlines():
            match = LDD_LINE.search(line)
            if match:
                libs.add(match.group(1))
    return libs


def _write(root: Path, relative: str, text: str, mode: int = 0o644) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def _write_etc(root: Path, user: str, uid: int) -> None:
    home = f"/home/{user}"
    _write(root, "etc/passwd",
           "root:x:0:0:root:/root:/bin/bash\n"
           "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
           f"{user}:x:{uid}:{uid}:{user}:{home}:/bin/bash\n")
    _write(root, "etc/group",
           f"root:x:0:\nsudo:x:27:{user}\ntty:x:5:\ndisk:x:6:\nnogroup:x:65534:\n"
           f"{user}:x:{uid}:\n")
    _write(root, "etc/shadow", f"root:*:20000:0:99999:7:::\nnobody:*:20000::::::\n"
           f"{user}:*:20000:0:99999:7:::\n", 0o640)
    _write(root, "etc/gshadow", f"root:*::\nsudo:*::{user}\n{user}:!::\n", 0o640)
    _write(root, "etc/sudoers", "Defaults env_reset\nDefaults !lecture\n"
           "root ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) NOPASSWD: ALL\n"
           f"{user} ALL=(ALL:ALL) NOPASSWD: ALL\n@includedir /etc/sudoers.d\n", 0o440)
    _write(root, "etc/sudo.conf", "Set disable_coredump false\n")
    _write(root, "etc/pam.d/sudo", "auth required pam_unix.so\naccount required pam_permit.so\n"
           "session required pam_permit.so\n")
    _write(root, "etc/pam.d/other", "auth required pam_deny.so\naccount required pam_deny.so\n"
           "session required pam_deny.so\npassword required pam_deny.so\n")
    _write(root, "etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\n"
           "hosts: files\n")
    _write(root, "etc/hosts", "127.0.0.1 localhost\n")
    _write(root, "etc/os-release", 'NAME="osc-build-sim Linux"\nID=osc-build-sim\n')
    _write(root, "etc/profile",
           "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nexport PATH\n")
    _write(root, "etc/fstab", "")
    for directory, mode, owner in (("root", 0o700, 0), (home.lstrip("/"), 0o755, uid),
                                   ("tmp", 0o1777, 0), ("var/tmp", 0o1777, 0),
                                   ("var/log", 0o755, 0), ("var/lib", 0o755, 0),
                                   ("proc", 0o555, 0), ("dev", 0o755, 0), ("run", 0o755, 0),
                                   ("sys", 0o555, 0), ("mnt", 0o755, 0),
                                   ("usr/local/bin", 0o755, 0), ("etc/sudoers.d", 0o755, 0)):
        path = root / directory
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(mode)
        os.chown(path, owner, owner)


# The power commands of an init without a control socket (sysvinit's and busybox's way): ask
# PID 1 with a signal; init.sh traps them. Only root may signal PID 1, as only root may
# power a VM off.
POWER_COMMANDS = {
    "poweroff": "exec kill -USR2 1\n",
    "halt": "exec kill -USR1 1\n",
    "reboot": "exec kill -HUP 1\n",
    # shutdown [-r|-h|-P|-H|-c] [TIME] [MESSAGE]: at once, whatever TIME (no scheduler here)
    "shutdown": ('signal=USR2\nfor arg; do case $arg in -r|--reboot) signal=HUP;; '
                 '-H|--halt) signal=USR1;; -c) exit 0;; esac; done\nexec kill -$signal 1\n'),
}


def _write_power_commands(root: Path) -> None:
    for name, body in POWER_COMMANDS.items():
        _write(root, f"usr/sbin/{name}", f"#!/bin/sh\n# {name}: ask init (PID 1).\n{body}",
               0o755)


def build_tree(dest: Path, user: str = DEFAULT_USER, uid: int = DEFAULT_UID) -> None:
    """Assemble the userland in ``dest`` (which must not exist)."""
    missing = missing_image_packages()
    if missing:
        raise BackendError("cannot build the public image root filesystem: this machine lacks "
                           f"{', '.join(missing)}; install them with "
                           f"`apt-get install -y --no-install-recommends {' '.join(missing)}`")
    dest.mkdir(parents=True)
    for link, target in (("bin", "usr/bin"), ("sbin", "usr/sbin"), ("lib", "usr/lib"),
                         ("lib64", "usr/lib64")):
        (dest / target).mkdir(parents=True, exist_ok=True)
        (dest / link).symlink_to(target)
    paths = [p for p in (shutil.which(c) for c in COMMANDS) if p]
    paths += [p for p in EXTRA_FILES if os.path.exists(p)]
    binaries = [p for p in paths if not p.endswith(".conf")]
    for path in sorted(set(paths) | _libraries(binaries)):
        _copy_path(path, dest)
    _write_etc(dest, user, uid)
    _write_power_commands(dest)


def _fingerprint(user: str) -> str:
    return hashlib.sha256(f"{ROOTFS_VERSION}:{user}:{os.uname().release}".encode()).hexdigest()[:12]


def cached_tree(cache_dir: Path, user: str = DEFAULT_USER) -> Path:
    """The userland tree for ``user``, built on first use."""
    tree = cache_dir / f"rootfs-{user}-{_fingerprint(user)}"
    if tree.is_dir():
        return tree
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".rootfs-", dir=cache_dir))
    try:
        build_tree(staging / "tree", user)
        (staging / "tree").rename(tree)
        log.info("built the public image userland in %s", tree)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return tree


def cached_image(cache_dir: Path, size_gib: int, user: str = DEFAULT_USER) -> Path:
    """A sparse raw ext4 image of ``size_gib`` GiB holding the userland, built on first use."""
    tree = cached_tree(cache_dir, user)
    image = cache_dir / f"{tree.name}-{size_gib}g.ext4"
    if image.exists():
        return image
    write_ext4_image(tree, image, size_gib, what="the public image")
    return image


def write_ext4_image(tree: Path, image: Path, size_gib: int, *, what: str) -> None:
    """A sparse ext4 image of ``tree``, written aside and renamed: never half an image."""
    staging = image.with_name(f".{image.name}.{os.getpid()}")
    with open(staging, "wb") as handle:
        handle.truncate(size_gib << 30)
    result = subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-L", "rootfs", "-E", "root_owner=0:0", "-d", str(tree),
         str(staging)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        staging.unlink(missing_ok=True)
        raise BackendError(f"mkfs.ext4 failed building {what}: {result.stderr.strip()}")
    staging.rename(image)
