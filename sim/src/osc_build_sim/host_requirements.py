"""Everything this project needs from the host, declared once, and installed when missing.

The simulator's machine backend, the real guest images it bootstraps, the chroot builder
(and its tests) and the examples run host commands. Each one is listed here with the
Debian package that provides it. ``ensure()`` installs what is missing with apt-get when
it can (root on Debian or Ubuntu), saying so in one line, as Playwright's
``install --with-deps`` does; otherwise it raises one error giving the exact command.
``osc-build-sim setup`` and ``.ci/run`` use the same list.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys

log = logging.getLogger(__name__)

# Host command (or absolute file) -> Debian package providing it.
REQUIREMENTS: dict[str, str] = {
    # namespaces, privileges and mounts: the machine backend's sandboxes
    "unshare": "util-linux", "nsenter": "util-linux", "setpriv": "util-linux",
    "setsid": "util-linux", "partx": "util-linux", "pivot_root": "util-linux",
    "losetup": "mount", "mount": "mount", "umount": "mount",
    "mknod": "coreutils", "mkfifo": "coreutils", "cp": "coreutils", "rm": "coreutils",
    "mkdir": "coreutils", "ln": "coreutils", "dirname": "coreutils", "chgrp": "coreutils",
    "cat": "coreutils",
    "hostname": "hostname", "ip": "iproute2", "ldd": "libc-bin",
    # disks and file systems: volumes, images, the chroot builder and its tests
    "mkfs": "util-linux", "mkfs.ext4": "e2fsprogs", "e2fsck": "e2fsprogs", "debugfs": "e2fsprogs",
    "resize2fs": "e2fsprogs",
    "sfdisk": "fdisk", "fdisk": "fdisk", "parted": "parted",
    # what the minimal image copies from this machine
    "sudo": "sudo", "/usr/lib/openssh/sftp-server": "openssh-sftp-server",
    "scp": "openssh-client", "ssh-add": "openssh-client",
    "tar": "tar", "gzip": "gzip", "bash": "bash",
    # real guest images (Debian bootstrapped from the archive) and their keys
    "mmdebstrap": "mmdebstrap",
    "/usr/share/keyrings/debian-archive-keyring.gpg": "debian-archive-keyring",
    # osc-build-sim ssh, and the TLS examples; the agent-forwarding tests start an ssh-agent
    "ssh": "openssh-client", "openssl": "openssl", "ssh-agent": "openssh-client",
    # the ansible provisioner: Ansible sends files with scp or sftp (and its tests use both)
    "sftp": "openssh-client",
    # qcow2 image exports and imports
    "qemu-img": "qemu-utils",
}


class HostSetupError(Exception):
    """Something the project needs is missing and cannot be installed from here."""


def _present(name: str) -> bool:
    return os.path.exists(name) if name.startswith("/") else shutil.which(name) is not None


def missing_packages(requirements: dict[str, str] | None = None) -> list[str]:
    """Debian packages whose commands (or files) this machine lacks, sorted."""
    wanted = REQUIREMENTS if requirements is None else requirements
    return sorted({package for name, package in wanted.items() if not _present(name)})


def install_command(packages: list[str]) -> str:
    return f"apt-get install -y --no-install-recommends {' '.join(packages)}"


def can_install() -> bool:
    """Root on a Debian-family system with apt-get: we may install packages ourselves."""
    return (os.geteuid() == 0 and shutil.which("apt-get") is not None
            and os.path.exists("/etc/debian_version"))


def ensure(requirements: dict[str, str] | None = None, *, why: str = "osc-build") -> list[str]:
    """Install missing packages when possible; return what was installed.

    Raises :class:`HostSetupError` (one line: what, why, the exact command) otherwise.
    """
    missing = missing_packages(requirements)
    if not missing:
        return []
    if not can_install():
        raise HostSetupError(f"{why} needs Debian packages this machine lacks "
                             f"({', '.join(missing)}): run `sudo {install_command(missing)}`")
    print(f"osc-build-sim: installing Debian packages {why} needs: {' '.join(missing)}",
          file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:  # stale package lists on a fresh machine: refresh once
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise HostSetupError(f"installing {', '.join(missing)} failed ({last}); run "
                             f"`{install_command(missing)}` and read its error")
    still = missing_packages(requirements)
    if still:
        raise HostSetupError(f"{', '.join(still)} installed but their commands are still "
                             f"missing; check PATH and run `{install_command(still)}`")
    log.info("installed %s", " ".join(missing))
    return missing
