"""One running VM: its volumes as loop devices, booted in its own namespaces.

``unshare`` gives the VM new mount, PID, UTS, IPC and network namespaces, started from a
cgroup namespace owned by a user namespace of its own and inside a devices cgroup that
allows only its own devices (``LAUNCHER``; see the machine README, "Sandbox");
``setup.sh`` mounts the root volume and a minimal /dev, then pivots into it and runs
``init.sh`` from the image as PID 1. A guest that has systemd (a real Debian image, or an
OMI made from one) gets a cgroup2 cgroup of its own and boots systemd as PID 1
(``setup-systemd.sh``); it is up once its ``osc-build-sim-ready`` unit has run. Commands
enter the same namespaces and devices cgroup with ``nsenter`` (host binaries only, with a
reduced capability bounding set), so nothing the image contains runs with the host's full
privileges.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import signal
import stat
import subprocess
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from osc_build_sim.backend import BackendError
from osc_build_sim.machine import guest_init, loopdev
from osc_build_sim.machine.accounts import User, parse_passwd, pty_pair

log = logging.getLogger(__name__)

SCRIPTS = resources.files("osc_build_sim.machine") / "scripts"
# dac_read_search: open_by_handle_at ("shocker"), which opens any inode of a file system
# the VM has a mount of by number: harmless today (no file system of this machine is
# mounted in a VM; the console's devpts has no file handles) but not if one ever is.
DROPPED_CAPS = ("-mknod,-dac_read_search,-sys_module,-sys_boot,-sys_time,-sys_rawio,"
                "-mac_admin,-mac_override,-syslog,-wake_alarm")
# Starts a VM's unshare: joins its cgroups (a v2 one for systemd guests, the v1 devices one
# that denies every device but its own), then enters a cgroup namespace owned by a fresh
# user namespace (a holder process makes it and is killed once entered). Root inside stays
# root here (it mounts its ext4 volumes), but the kernel refuses cgroup v1 release_agent
# and controller mounts to a cgroup namespace whose owner is not the initial user
# namespace: the release_agent escape is closed.
# Arguments: V2_CGROUP DEVICES_CGROUP ("" for none) COMMAND...
LAUNCHER = r"""trap "" HUP
for cg in "$1" "$2"; do [ -z "$cg" ] || echo $$ > "$cg/cgroup.procs" || exit 1; done
shift 2
holder=$(unshare --user --cgroup sleep 600 </dev/null >/dev/null 2>&1 & echo $!)
mine=$(readlink /proc/$$/ns/cgroup)
while [ "$(readlink /proc/$holder/ns/cgroup)" = "$mine" ]; do sleep 0.01; done
exec nsenter --cgroup=/proc/$holder/ns/cgroup -- /bin/sh -c 'kill "$0"; exec "$@"' \
    "$holder" "$@"
"""
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SYSTEMD_POWEROFF = signal.SIGRTMIN + 4  # what systemd-nspawn sends for a clean shutdown


@dataclass
class Disk:
    volume_id: str
    device_name: str  # as the API names it: "/dev/xvdb"
    path: Path  # the volume's raw file
    loop: str | None = None
    nodes: dict[str, tuple[int, int]] = field(default_factory=dict)  # made in the VM's /dev
    tracker: loopdev.PartitionTracker | None = None

    @property
    def node_name(self) -> str:
        return self.device_name.removeprefix("/dev/")

    def partition_node(self, number: str) -> str:
        name = self.node_name
        return f"{name}p{number}" if name[-1].isdigit() else f"{name}{number}"


class Sandbox:
    def __init__(self, vm_id: str, vm_dir: Path, root: Disk, disks: list[Disk],
                 default_user: str, authorized_keys: tuple[str, ...], user_data: bytes,
                 *, cgroup_owner: str, allow_systemd: bool = True, archive_proxy: str = ""):
        self.vm_id = vm_id
        self.cgroup_owner = cgroup_owner  # the simulator's cgroup directory (owner_key)
        self.vm_dir = vm_dir
        self.root = root
        self.disks = disks
        self.default_user = default_user
        self.authorized_keys = authorized_keys
        self.user_data = user_data
        self.process: subprocess.Popen | None = None
        self.init_pid: int | None = None
        self.ready = False  # init runs from the VM's own root: its /dev is the VM's
        self.booted = False  # fully up: commands may enter it
        self.allow_systemd = allow_systemd
        self.archive_proxy = archive_proxy  # proxy URL apt uses inside, "" for none
        self.systemd = False  # decided at each boot, from the root volume
        self.console: guest_init.Console | None = None
        self.cgroup: Path | None = None
        self.devices_cgroup: Path | None = None  # None: no v1 devices controller here

    @property
    def console_path(self) -> Path:
        return self.vm_dir / "console.log"

    # -- boot and stop --------------------------------------------------------------

    def boot(self, timeout: float = 15.0) -> None:
        """Attach the disks and boot; return once the VM's init reports it is ready."""
        try:
            for disk in [self.root, *self.disks]:
                disk.loop = loopdev.attach(disk.path)
            self._start(timeout)
            self.booted = True
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> None:
        seed = self.vm_dir / "seed"
        seed.mkdir(parents=True, exist_ok=True)
        (seed / "vm-id").write_text(self.vm_id)
        (seed / "default-user").write_text(self.default_user)
        (seed / "authorized_keys").write_text("".join(k.strip() + "\n"
                                                      for k in self.authorized_keys))
        (seed / "user-data").write_bytes(self.user_data)
        (seed / "init.sh").write_text((SCRIPTS / "init.sh").read_text())
        mountpoint = self.vm_dir / "root"
        mountpoint.mkdir(exist_ok=True)
        root_parts = loopdev.partitions(self.root.loop)
        root_device = f"{self.root.loop}p1" if "1" in root_parts else self.root.loop
        specs = []
        self.devices_cgroup = guest_init.make_devices_cgroup(self.cgroup_owner, self.vm_id)
        root_numbers = os.stat(root_device).st_rdev
        guest_init.allow_device(self.devices_cgroup, os.major(root_numbers),
                                os.minor(root_numbers))
        for disk in [self.root, *self.disks]:
            major, minor = loopdev.device_numbers(disk.loop)
            guest_init.allow_device(self.devices_cgroup, major, minor)
            specs.append(f"{disk.node_name}:{major}:{minor}")
            disk.nodes[disk.node_name] = (major, minor)
        self.systemd = self.allow_systemd and guest_init.has_systemd(root_device)
        read_end, write_end = os.pipe()
        if self.systemd:
            self._spawn_systemd(seed, mountpoint, root_device, specs, write_end)
        else:
            with open(self.console_path, "ab") as console:
                self.process = subprocess.Popen(
                    ["/bin/sh", "-c", LAUNCHER, "launcher", "", str(self.devices_cgroup or ""),
                     "unshare", "--mount", "--pid", "--uts", "--ipc", "--net", "--fork",
                     "--kill-child", "/bin/sh", "-c",
                     f'exec 3>/proc/self/fd/{write_end}; . "$0"', str(SCRIPTS / "setup.sh"),
                     str(mountpoint), root_device, str(seed), self.vm_id, *specs],
                    stdin=subprocess.DEVNULL, stdout=console, stderr=console,
                    pass_fds=(write_end,), start_new_session=True, env={"PATH": PATH})
        os.close(write_end)
        try:
            self._await_ready(read_end, timeout)
        finally:
            os.close(read_end)

    def _spawn_systemd(self, seed: Path, mountpoint: Path, root_device: str,
                       specs: list[str], write_end: int) -> None:
        """Start the launcher of a systemd guest: its own cgroup, SIGHUP ignored, a console."""
        for name in ("boot-systemd.sh", "firstboot.sh"):
            (seed / name).write_text((SCRIPTS / name).read_text())
        (seed / "archive-proxy").write_text(self.archive_proxy)
        (seed / "booted").unlink(missing_ok=True)
        guest_init.new_boot_id(seed)
        self.cgroup = guest_init.make_cgroup(self.cgroup_owner, self.vm_id)
        self.console = guest_init.Console(self.console_path)
        try:
            self.process = subprocess.Popen(
                ["/bin/sh", "-c", LAUNCHER, "launcher", str(self.cgroup),
                 str(self.devices_cgroup or ""),
                 "unshare", "--mount", "--pid", "--uts", "--ipc", "--net", "--fork",
                 "--kill-child", "/bin/sh", "-c", f'exec 3>/proc/self/fd/{write_end}; . "$0"',
                 str(SCRIPTS / "setup-systemd.sh"), str(mountpoint), root_device, str(seed),
                 self.vm_id, self.console.path, *specs],
                stdin=self.console.slave, stdout=self.console.slave, stderr=self.console.slave,
                pass_fds=(write_end,), start_new_session=True, env={"PATH": PATH})
        finally:
            self.console.close_slave()

    def _await_ready(self, fd: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        buffer = b""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise BackendError(f"VM {self.vm_id} did not boot within {timeout:.0f} s: "
                                   f"{self.console_tail()}")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise BackendError(f"VM {self.vm_id} failed to boot: {self.console_tail()}")
            buffer += chunk
            for line in buffer.decode(errors="replace").splitlines():
                if line.startswith("pid "):
                    self.init_pid = int(line.split()[1])
                elif line == "ready":
                    self.ready = True
                    return
                elif line == "systemd":
                    self._await_systemd(deadline, timeout)
                    return

    def _await_systemd(self, deadline: float, timeout: float) -> None:
        """Wait for the guest's osc-build-sim-ready unit (logins allowed from then on)."""
        self.ready = True  # its /dev is the VM's from now on
        while True:
            try:
                booted = os.path.exists(f"/proc/{self.init_pid}/root/run/osc-build-sim/booted")
            except OSError:
                booted = False
            if booted:
                return
            if self.process.poll() is not None:
                raise BackendError(f"VM {self.vm_id} stopped while booting: "
                                   f"{self.console_tail()}")
            if time.monotonic() > deadline:
                raise BackendError(f"VM {self.vm_id} did not boot within {timeout:.0f} s "
                                   f"(systemd did not reach multi-user): {self.console_tail()}")
            time.sleep(0.02)

    def console_tail(self, lines: int = 5) -> str:
        try:
            text = self.console_path.read_text(errors="replace")
        except OSError:
            return "(no console output)"
        return " | ".join(text.strip().splitlines()[-lines:]) or "(no console output)"

    def stop(self, grace: float = 5.0) -> None:
        """Stop init (it syncs on SIGTERM), which ends every process and mount of the VM."""
        if self.process is not None and self.process.poll() is None:
            if self.init_pid:
                _signal(self.init_pid, SYSTEMD_POWEROFF if self.systemd else signal.SIGTERM)
                grace = max(grace, 15.0) if self.systemd else grace
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                log.warning("VM %s ignored SIGTERM for %.0f s, killing it", self.vm_id, grace)
                _signal(self.process.pid, signal.SIGKILL)
                if self.init_pid:
                    _signal(self.init_pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        self.init_pid = None
        self.ready = False
        self.booted = False
        if self.console is not None:
            self.console.wait(5)
            self.console = None
        if self.cgroup is not None:
            guest_init.remove_cgroup(self.cgroup)
            self.cgroup = None
        if self.devices_cgroup is not None:
            guest_init.remove_devices_cgroup(self.devices_cgroup)
            self.devices_cgroup = None
        failures = []
        for disk in [self.root, *self.disks]:
            if disk.loop:
                try:
                    loopdev.detach(disk.loop)
                except BackendError as error:  # keep releasing the others
                    failures.append(str(error))
                disk.loop = None
            disk.nodes.clear()
        if failures:
            raise BackendError(f"VM {self.vm_id} stopped but " + "; ".join(failures))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- commands inside --------------------------------------------------------------

    def enter_argv(self, argv: list[str], uid: int = 0, gid: int = 0) -> list[str]:
        """A host command line running ``argv`` inside the VM as ``uid``:``gid``."""
        if not self.running or not self.init_pid or not self.booted:
            raise BackendError(f"VM {self.vm_id} is not running")
        join = []  # the VM's devices cgroup: its processes use its devices only
        if self.devices_cgroup is not None:
            join = ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"',
                    str(self.devices_cgroup)]
        return [*join, "setpriv", "--bounding-set", DROPPED_CAPS,
                "nsenter", "--target", str(self.init_pid), "--mount", "--uts", "--ipc", "--net",
                "--pid", "--cgroup", "--root", "--wd", f"--setuid={uid}", f"--setgid={gid}", "--",
                *argv]

    def confine_argv(self, argv: list[str]) -> list[str]:
        """A host command line running ``argv`` (a program of this machine) in the VM's
        devices cgroup with the VM's reduced capability bounding set; the program itself
        must enter the VM's namespaces (the Windows guest runner does)."""
        if not self.running or not self.init_pid or not self.booted:
            raise BackendError(f"VM {self.vm_id} is not running")
        join = []
        if self.devices_cgroup is not None:
            join = ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"',
                    str(self.devices_cgroup)]
        return [*join, "setpriv", "--bounding-set", DROPPED_CAPS, *argv]

    def run(self, argv: list[str], uid: int = 0, gid: int = 0, timeout: float = 30.0,
            input: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(self.enter_argv(argv, uid, gid), input=input, capture_output=True,
                              timeout=timeout, check=False, env={"PATH": PATH})

    def users(self) -> dict[str, User]:
        """Accounts from the VM's /etc/passwd (read inside, as nobody)."""
        result = self.run(["cat", "/etc/passwd"], uid=65534, gid=65534)
        return parse_passwd(result.stdout.decode(errors="replace"))

    def authorized_keys_of(self, user: User) -> str:
        result = self.run(["cat", f"{user.home}/.ssh/authorized_keys"], uid=user.uid, gid=user.gid)
        return result.stdout.decode(errors="replace") if result.returncode == 0 else ""

    def sync(self) -> None:
        result = self.run(["sync"], timeout=120)
        if result.returncode != 0:
            raise BackendError(f"sync failed in VM {self.vm_id}: {result.stderr.decode().strip()}")

    # -- block devices ----------------------------------------------------------------

    def _dev_dir(self) -> int:
        """The VM's /dev, opened from here; never this machine's own /dev."""
        return self.vm_directory("dev")

    def vm_directory(self, name: str) -> int:
        """A top-level directory of the VM (``dev``, ``tmp``) opened from here (O_PATH);
        never this machine's own."""
        if not self.ready:
            raise OSError(errno.EAGAIN, f"VM {self.vm_id} is still booting")
        root = os.open(f"/proc/{self.init_pid}/root", os.O_PATH | os.O_DIRECTORY)
        try:
            here, there = os.stat("/"), os.fstat(root)
            if (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino):
                raise OSError(errno.EPERM, f"VM {self.vm_id} has not left this machine's root")
            # O_NOFOLLOW: a VM that made its /dev a symlink must not lead us out of it.
            return os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=root)
        finally:
            os.close(root)

    def refresh_nodes(self) -> None:
        """Make the VM's /dev match its disks and their partitions (what udev does)."""
        if not self.running or not self.ready:
            return
        try:
            dev = self._dev_dir()
        except OSError:
            return
        try:
            for disk in [self.root, *self.disks]:
                if not disk.loop:
                    continue
                if disk.tracker is None or disk.tracker.device != disk.loop:
                    disk.tracker = loopdev.PartitionTracker(disk.loop, disk.path)
                wanted = {disk.node_name: loopdev.device_numbers(disk.loop)}
                for number, numbers in disk.tracker.sync().items():
                    wanted[disk.partition_node(number)] = numbers
                for name in [n for n in disk.nodes if disk.nodes[n] != wanted.get(n)]:
                    _unlink(name, dev)
                    del disk.nodes[name]
                for name in wanted.keys() - disk.nodes.keys():
                    major, minor = wanted[name]
                    guest_init.allow_device(self.devices_cgroup, major, minor)
                    with contextlib.suppress(FileExistsError):
                        os.mknod(name, 0o660 | stat.S_IFBLK, os.makedev(major, minor), dir_fd=dev)
                    disk.nodes[name] = wanted[name]
        finally:
            os.close(dev)

    def open_pty(self) -> tuple[int, int]:
        """A pty pair from the VM's own devpts, so that ``tty`` names it inside."""
        try:
            dev = self._dev_dir()
        except OSError:
            return os.openpty()
        try:
            return pty_pair(dev)
        finally:
            os.close(dev)

    def add_disk(self, disk: Disk) -> None:
        disk.loop = loopdev.attach(disk.path)
        self.disks.append(disk)
        self.refresh_nodes()

    def remove_disk(self, volume_id: str) -> Disk | None:
        for disk in self.disks:
            if disk.volume_id == volume_id:
                break
        else:
            return None
        self.disks.remove(disk)
        if disk.nodes and self.running:
            dev = self._dev_dir()
            try:
                for name in disk.nodes:
                    _unlink(name, dev)
            finally:
                os.close(dev)
        disk.nodes.clear()
        if disk.loop:
            loopdev.detach(disk.loop)
            disk.loop = None
        return disk


def _unlink(name: str, dir_fd: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=dir_fd)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError as error:
        if error.errno != errno.ESRCH:
            raise
