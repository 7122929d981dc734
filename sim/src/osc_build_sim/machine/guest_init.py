"""What a guest whose own init is systemd needs from this machine.

systemd runs as PID 1 of the VM's namespaces when the guest has it and this machine has a
cgroup2 hierarchy to give each VM a cgroup of its own (its cgroup namespace root, where
systemd makes its slices). The console is a pty held open by the simulator for the
VM's whole life (systemd's shutdown stalls if it closes), copied into ``console.log``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

SYSTEMD_PATHS = ("/usr/lib/systemd/systemd", "/lib/systemd/systemd")
# Per-VM cgroups live under CGROUP_PARENT/OWNER/VM_ID: OWNER names one simulator's data dir
# (``owner_key``), so a simulator removes what its own crashed run left and never touches
# the cgroups of another simulator running on this machine.
CGROUP_PARENT = "osc-build-sim"


def owner_key(machine_root: Path) -> str:
    """The cgroup directory name owned by the simulator whose machine dir is ``machine_root``.

    The same directory gives the same key across restarts; two directories never share
    one, even at the same path seen from two roots (a chroot): device and inode count.
    """
    resolved = machine_root.resolve()
    info = resolved.stat()
    digest = hashlib.sha256(f"{resolved}:{info.st_dev}:{info.st_ino}".encode()).hexdigest()
    return f"sim-{digest[:12]}"


def has_systemd(device: str) -> bool:
    """Whether the ext4 file system on ``device`` has systemd (read without mounting)."""
    for path in SYSTEMD_PATHS:
        result = subprocess.run(["debugfs", "-R", f"stat {path}", device], capture_output=True,
                                text=True, check=False)
        if result.returncode == 0 and "Inode:" in result.stdout:
            return True
    return False


def host_cgroup2() -> Path | None:
    """Where this machine mounts a cgroup2 hierarchy (hybrid hosts: .../unified), if any."""
    return _mount_point(lambda kind, options: kind == "cgroup2")


def host_devices_cgroup() -> Path | None:
    """Where this machine mounts the cgroup v1 ``devices`` controller, if it does."""
    return _mount_point(lambda kind, options: kind == "cgroup" and "devices" in options)


def _mount_point(wanted) -> Path | None:
    """The first mount of /proc/self/mounts whose type and options ``wanted`` accepts."""
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 3 and wanted(fields[2], fields[3].split(",")):
            return Path(fields[1].replace("\\040", " "))
    return None


# Character devices every VM may use: null, zero, full, random, urandom, tty, ptmx and the
# ptys (its own devpts instance and the console the simulator holds).
ALLOWED_CHAR_DEVICES = ("c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
                        "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm")


def make_devices_cgroup(owner: str, vm_id: str) -> Path | None:
    """A devices cgroup for one VM that denies every device but its own (None: no v1
    devices controller here). Its block devices are allowed one by one (``allow_device``).

    The VM's processes go in its child ``guest``: the rules are set on the VM's cgroup,
    above the guest's cgroup namespace root, so root inside (who may mount the devices
    hierarchy and sees ``guest`` as its root) cannot widen them (a child never gets more
    than its parent).
    """
    root = host_devices_cgroup()
    if root is None:
        return None
    path = root / CGROUP_PARENT / owner / vm_id
    remove_cgroup(path)
    path.mkdir(parents=True)
    (path / "devices.deny").write_text("a")
    for rule in ALLOWED_CHAR_DEVICES:
        (path / "devices.allow").write_text(rule)
    guest = path / "guest"
    guest.mkdir()  # copies the parent's rules
    return guest


def allow_device(cgroup: Path | None, major: int, minor: int) -> None:
    """Let the VM whose devices cgroup is ``cgroup`` use block device MAJOR:MINOR."""
    if cgroup is not None:
        for level in (cgroup.parent, cgroup):
            (level / "devices.allow").write_text(f"b {major}:{minor} rwm")


def remove_devices_cgroup(cgroup: Path) -> None:
    """Remove a VM's devices cgroup, once the last of its processes (a session's nsenter
    on this side may outlive the VM by a moment) has left it."""
    deadline = time.monotonic() + 2
    while True:
        remove_cgroup(cgroup.parent)
        if not cgroup.parent.exists() or time.monotonic() > deadline:
            return
        time.sleep(0.02)


def owner_cgroups(owner: str) -> list[Path]:
    """The cgroup directories (v2 and devices) that hold the VMs of simulator ``owner``."""
    return [root / CGROUP_PARENT / owner for root in (host_cgroup2(), host_devices_cgroup())
            if root is not None]


def remove_owner_cgroups(owner: str, timeout: float = 5.0) -> list[Path]:
    """Remove every VM cgroup of simulator ``owner``: at its start (what a crashed run left,
    its sandboxes just killed) and at its shutdown. Returns what could not be removed.

    Processes of a killed sandbox leave their cgroups a moment after the kill: retried
    until ``timeout``. Only this owner's directory is touched.
    """
    deadline = time.monotonic() + timeout
    while True:
        left = [path for path in owner_cgroups(owner) if path.is_dir()]
        for path in left:
            vms = [child.name for child in path.iterdir() if child.is_dir()]
            remove_cgroup(path)
            if vms and not path.exists():
                log.info("removed the cgroups of VMs no longer running: %s (%s)",
                         ", ".join(sorted(vms)), path)
        left = [path for path in left if path.exists()]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def why_no_systemd() -> str | None:
    """Why systemd cannot be a guest's PID 1 here, or None when it can."""
    if host_cgroup2() is None:
        return ("this machine mounts no cgroup2 hierarchy (systemd needs one to delegate to "
                "each guest)")
    return None


def make_cgroup(owner: str, vm_id: str) -> Path:
    """A fresh cgroup for one VM: the root of its cgroup namespace."""
    root = host_cgroup2()
    if root is None:
        raise OSError(why_no_systemd())
    path = root / CGROUP_PARENT / owner / vm_id
    remove_cgroup(path)
    path.mkdir(parents=True)
    return path


def remove_cgroup(path: Path) -> None:
    """Remove a VM's cgroup and the ones its systemd made under it (deepest first)."""
    if not path.is_dir():
        return
    for directory, _, _ in sorted(os.walk(path), key=lambda entry: -entry[0].count("/")):
        with contextlib.suppress(OSError):
            os.rmdir(directory)


def new_boot_id(seed: Path) -> None:
    (seed / "boot_id").write_text(f"{uuid.uuid4()}\n")


class Console:
    """A pty whose other end is the guest's /dev/console; its output goes to a log file."""

    def __init__(self, log_path: Path):
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self._log_path = log_path
        self._thread = threading.Thread(target=self._copy, name=f"console-{log_path.parent.name}",
                                        daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        with open(self._log_path, "ab") as output:
            while True:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: every end of the guest's console is closed
                    break
                if not chunk:
                    break
                output.write(chunk.replace(b"\r\n", b"\n"))
                output.flush()
        os.close(self.master)

    def close_slave(self) -> None:
        """Drop our copy of the guest's end (the guest's processes hold their own)."""
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1

    def wait(self, timeout: float) -> None:
        self._thread.join(timeout)
