"""The real backend: disks are files, VMs are sandboxes, SSH is served for each VM."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from osc_build_sim import apt_sources, guest_images
from osc_build_sim.backend import BackendError, DiskAttachment, VmSpec
from osc_build_sim.machine import cleanup, debian_rootfs, guest_init, netns_relay, rootfs
from osc_build_sim.machine.archive_proxy import GUEST_PROXY_PORT, ArchiveProxy
from osc_build_sim.machine.disks import DiskStore, checked_id, copy_sparse
from osc_build_sim.machine.hostcheck import check_host
from osc_build_sim.machine.hostvm import HostVm
from osc_build_sim.machine.sandbox import Disk, Sandbox
from osc_build_sim.machine.sshserver import VmSshEndpoint, host_key
from osc_build_sim.machine.windows import image as windows_image
from osc_build_sim.machine.windows.vm import WindowsVm, wait_then

log = logging.getLogger(__name__)


def _reported(method):
    """The API layer maps BackendError to an error state: make every failure one."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except BackendError:
            raise
        except (OSError, subprocess.SubprocessError, TimeoutError) as error:
            log.exception("%s failed", method.__name__)
            raise BackendError(f"{method.__name__.replace('_', ' ')} failed: {error}") from error
    return wrapper


@dataclass
class _Vm:
    spec: VmSpec
    sandbox: Sandbox
    endpoint: VmSshEndpoint | None = None
    ssh_timer: asyncio.TimerHandle | None = None
    relay: netns_relay.Relay | None = None
    rebooting: bool = False
    windows: WindowsVm | None = None
    powered_off: bool = False


# How a guest's init ends when the guest reboots: killed by SIGHUP (the kernel's doing when
# PID 1 of a PID namespace calls reboot(RB_AUTOBOOT), systemd's `reboot`), or exiting with
# the status a shell gives for it (the minimal image's init.sh, which may not call reboot).
# Any other end of a running guest's init is a shutdown from inside (poweroff, halt).
REBOOT_STATUSES = (-signal.SIGHUP, 128 + signal.SIGHUP)


def devices_route_open() -> str:
    """Why a VM's root could reach this machine's disks, or "" when it cannot."""
    if guest_init.host_devices_cgroup() is not None:
        return ""
    return ("no cgroup v1 devices controller on this machine (cgroup2 only): a VM's root can "
            "mount devtmpfs and read or mount this machine's block devices; the sandbox stops "
            "accidents, not a determined root here (see sim/README.md, Sandbox)")


class MachineBackend:
    """Implements :class:`osc_build_sim.backend.Backend` with real disks and sandboxes.

    ``ssh_port`` is where each VM's SSH answers on its IPs (22 as on a real VM);
    ``ssh_delay`` is how long after start a VM refuses SSH, as during a real boot.
    ``host_vm_id`` names the VM that stands for this machine (chroot builder): its
    metadata is served on ``metadata_address`` and volumes linked to it appear here.
    ``image_cache`` keeps the real guest images (default ``DATA/machine/cache``, or
    ``$OSC_BUILD_SIM_IMAGE_CACHE``: share one between data dirs to bootstrap once).
    ``archive_proxy``: "auto" (guests that boot systemd reach the package archives),
    "on" (every guest) or "off"; ``archive_hosts`` adds archives to the machine's own.
    ``stand_in_image`` (e.g. "Minimal-Host-Userland"): what images that cannot boot here
    boot instead, said on their console; none by default (they fail, saying why).
    """

    ARCHIVE_PROXY_MODES = ("auto", "on", "off")

    def __init__(self, data_dir: str | Path, *, ssh_port: int = 22, ssh_delay: float = 0.0,
                 host_vm_id: str | None = None, region: str = "eu-west-2",
                 subregion: str | None = None,
                 metadata_address: tuple[str, int] | None = ("127.0.0.1", 0),
                 device_poll_interval: float = 0.05, image_cache: str | Path | None = None,
                 archive_proxy: str = "auto", archive_hosts: tuple[str, ...] = (),
                 stand_in_image: str = "", winrm_ports: tuple[int, int] = (5985, 5986)):
        check_host()
        self.root = Path(data_dir).resolve() / "machine"
        self.root.mkdir(parents=True, exist_ok=True)
        self.ssh_port = ssh_port
        self.ssh_delay = ssh_delay
        self.winrm_ports = winrm_ports
        self._links = cleanup.HostLinks(self.root / "host-links.json")
        self.cgroup_owner = guest_init.owner_key(self.root)
        cleanup.remove_leftovers(self.root, self._links)
        self.disks = DiskStore(self.root)
        self.image_cache = Path(image_cache or os.environ.get("OSC_BUILD_SIM_IMAGE_CACHE")
                                or self.root / "cache")
        self.configure_guests(archive_proxy, archive_hosts, stand_in_image)
        self.no_systemd_reason = guest_init.why_no_systemd()
        if self.no_systemd_reason:
            message = (f"systemd cannot be PID 1 of guests on this machine: "
                       f"{self.no_systemd_reason}; real images boot with the simulator's "
                       "minimal init instead (no systemctl, no services)")
            log.warning(message)
            print(f"osc-build-sim: {message}", file=sys.stderr, flush=True)
        if (open_route := devices_route_open()):
            log.warning(open_route)
            print(f"osc-build-sim: WARNING: {open_route}", file=sys.stderr, flush=True)
        self._vms: dict[str, _Vm] = {}
        self._lock = threading.RLock()
        self._image_lock = threading.Lock()
        self._closed = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._loop.run_forever,
                                             name="machine-ssh", daemon=True)
        self._loop_thread.start()
        self.host_vm = HostVm(host_vm_id, region, subregion or f"{region}a", self._links,
                              metadata_address) if host_vm_id else None
        self._poll_interval = device_poll_interval
        self._watcher = threading.Thread(target=self._watch_devices, name="machine-udev",
                                         daemon=True)
        self._watcher.start()
        self.proxy: ArchiveProxy | None = None  # started for the first guest that uses it
        self._guest_shutdown_handler = None  # the API layer's, once it registers

    def set_guest_shutdown_handler(self, handler) -> None:
        """``handler(vm_id)`` is called once a VM whose OS shut it down is released."""
        self._guest_shutdown_handler = handler

    def configure_guests(self, archive_proxy: str = "auto", archive_hosts: tuple[str, ...] = (),
                         stand_in_image: str = "") -> None:
        """Set how guests reach package archives and what unbootable images boot instead."""
        if archive_proxy not in self.ARCHIVE_PROXY_MODES:
            raise BackendError(f"archive proxy mode {archive_proxy!r} is not one of "
                               f"{', '.join(self.ARCHIVE_PROXY_MODES)}")
        if stand_in_image and not guest_images.resolve(stand_in_image).available:
            raise BackendError(f"stand-in image {stand_in_image!r} cannot boot here either: "
                               f"{guest_images.resolve(stand_in_image).reason}")
        self.archive_proxy_mode = archive_proxy
        self.archive_hosts = tuple(archive_hosts)
        self.stand_in_image = stand_in_image

    @property
    def metadata_url(self) -> str | None:
        """Base URL of the metadata service (``.../latest/meta-data/``), if a host VM is set."""
        return self.host_vm.metadata_url if self.host_vm else None

    # -- disks --------------------------------------------------------------------

    @_reported
    def create_volume(self, volume_id: str, size_gib: int, snapshot_id: str | None) -> None:
        self.disks.create_volume(volume_id, size_gib, snapshot_id)

    @_reported
    def delete_volume(self, volume_id: str) -> None:
        self.disks.delete(self.disks.volume(volume_id))

    @_reported
    def create_snapshot(self, snapshot_id, volume_id, progress) -> None:
        self.disks.create_snapshot(snapshot_id, volume_id, progress)

    @_reported
    def copy_snapshot(self, snapshot_id: str, source_snapshot_id: str, progress) -> None:
        source = self.disks.snapshot(source_snapshot_id)
        if not source.exists():
            raise BackendError(f"snapshot {source_snapshot_id} has no data on this machine")
        copy_sparse(source, self.disks.snapshot(snapshot_id), progress)

    def snapshot_file(self, snapshot_id: str) -> Path:
        """The raw file of a snapshot (exports read it)."""
        path = self.disks.snapshot(snapshot_id)
        if not path.exists():
            raise BackendError(f"snapshot {snapshot_id} has no data on this machine")
        return path

    @_reported
    def import_snapshot(self, snapshot_id: str, raw: Path) -> None:
        """Make the raw file ``raw`` (moved, not copied) the data of ``snapshot_id``."""
        raw.replace(self.disks.snapshot(snapshot_id))

    @_reported
    def delete_snapshot(self, snapshot_id: str) -> None:
        self.disks.delete(self.disks.snapshot(snapshot_id))

    @_reported
    def ensure_public_image(self, snapshot_id: str, image_name: str, size_gib: int) -> None:
        path = self.disks.snapshot(snapshot_id)
        # Under the lock: VMs booting at once from a fresh data dir would otherwise copy
        # into the same staging file, and all but one fail.
        with self._image_lock:
            if path.exists():
                return
            guest = guest_images.resolve(image_name)
            if not guest.available and self.stand_in_image:
                log.warning("public image %s cannot boot here (%s): it boots %s instead "
                            "(stand-in image)", image_name, guest.reason, self.stand_in_image)
                guest = guest_images.resolve(self.stand_in_image)
            if guest.kind == "minimal":
                image = rootfs.cached_image(self.root / "cache", size_gib)
            elif guest.kind == "windows":
                image = windows_image.cached_image(self.root / "cache", size_gib)
            elif guest.kind == "debian":
                image = debian_rootfs.cached_image(self.image_cache, guest.suite, size_gib)
            else:
                raise BackendError(f"public image {image_name} cannot boot on this simulator: "
                                   f"{guest.reason}")
            copy_sparse(image, path)
        log.info("public image %s: root snapshot %s ready", image_name, snapshot_id)

    # -- VMs ----------------------------------------------------------------------

    @_reported
    def start_vm(self, spec: VmSpec) -> None:
        vm_dir = self.root / "vms" / checked_id(spec.vm_id)
        vm_dir.mkdir(parents=True, exist_ok=True)
        root = [d for d in spec.disks if d.device_name == spec.root_device_name]
        if not root:
            raise BackendError(f"VM {spec.vm_id} has no volume at its root device "
                               f"{spec.root_device_name}")
        others = [self._disk(d) for d in spec.disks if d.device_name != spec.root_device_name]
        proxy_url = (f"http://127.0.0.1:{GUEST_PROXY_PORT}/"
                     if self.archive_proxy_mode != "off" else "")
        windows = spec.platform == "windows"
        sandbox = Sandbox(spec.vm_id, vm_dir, self._disk(root[0]), others, spec.default_user,
                          () if windows else spec.authorized_keys,
                          b"" if windows else spec.user_data,
                          cgroup_owner=self.cgroup_owner,
                          allow_systemd=self.no_systemd_reason is None, archive_proxy=proxy_url)
        with self._lock:
            if spec.vm_id in self._vms:
                raise BackendError(f"VM {spec.vm_id} is already running")
            vm = self._vms[spec.vm_id] = _Vm(spec, sandbox)
        try:
            sandbox.boot()
            self._open_archive_relay(vm)
            addresses = [spec.private_ip] + ([spec.public_ip] if spec.public_ip else [])
            if windows:
                self._start_windows(vm, vm_dir, addresses)
                log.info("VM %s running Windows (simulated), WinRM on %s", spec.vm_id,
                         addresses)
                return
            vm.endpoint = VmSshEndpoint(sandbox, addresses, self.ssh_port, spec.is_allowed,
                                        host_key(vm_dir / "ssh_host_ed25519_key"))
            if self.ssh_delay > 0:
                self._loop.call_soon_threadsafe(self._schedule_ssh, vm)
            else:
                self._call(vm.endpoint.start())
        except BaseException:
            self._stop(vm)
            raise
        log.info("VM %s running, SSH on %s port %d", spec.vm_id, addresses, self.ssh_port)

    def _start_windows(self, vm: _Vm, vm_dir: Path, addresses: list[str]) -> None:
        """WinRM instead of SSH: it answers once the boot delay has passed."""
        vm.windows = WindowsVm(vm.spec.vm_id, vm_dir, vm.sandbox, addresses, vm.spec.is_allowed,
                               vm.spec.user_data, self.root.parent / "tls",
                               lambda: self._restart_windows(vm),
                               self.winrm_ports)
        vm.windows.booting()
        self._serve_windows_later(vm)

    def _serve_windows_later(self, vm: _Vm) -> None:
        def serve() -> None:
            if self._vms.get(vm.spec.vm_id) is vm and vm.sandbox.booted:
                vm.windows.serve()
        if self.ssh_delay > 0:
            wait_then(self.ssh_delay, serve, f"winrm-start-{vm.spec.vm_id}")
        else:
            serve()

    def _restart_windows(self, vm: _Vm) -> None:
        """The restart a ``shutdown /r`` scheduled is due: the guest goes away, boots again
        on the same volume and WinRM comes back."""
        with self._lock:
            if self._vms.get(vm.spec.vm_id) is not vm or vm.rebooting:
                return
            vm.rebooting = True
        try:
            vm.windows.stop()
            with self._lock:
                vm.sandbox.stop()
                vm.sandbox.boot()
            vm.windows.booting()
            self._serve_windows_later(vm)
        finally:
            vm.rebooting = False

    def windows_admin_password(self, vm_id: str) -> str | None:
        """The password ReadAdminPassword returns (None: not a Windows VM, not booted yet,
        or past its first boot)."""
        vm = self._vms.get(vm_id)
        return vm.windows.readable_password if vm is not None and vm.windows else None

    def _open_archive_relay(self, vm: _Vm) -> None:
        """The archive proxy at 127.0.0.1:3128 inside the VM, if this VM gets it."""
        if self.archive_proxy_mode == "off" or (self.archive_proxy_mode == "auto"
                                                and not vm.sandbox.systemd):
            return
        with self._image_lock:
            if self.proxy is None:
                proxy = ArchiveProxy(apt_sources.archive_hosts(self.archive_hosts))
                self._call(proxy.start())
                self.proxy = proxy
        listener = netns_relay.listen_in_netns(vm.sandbox.init_pid, "127.0.0.1",
                                               GUEST_PROXY_PORT)
        vm.relay = netns_relay.Relay(listener, (self.proxy.address, self.proxy.port))
        self._call(vm.relay.start())

    def _schedule_ssh(self, vm: _Vm) -> None:
        def start() -> None:
            task = self._loop.create_task(vm.endpoint.start())
            task.add_done_callback(lambda t: t.cancelled() or (t.exception() and log.error(
                "VM %s: SSH could not start: %s", vm.spec.vm_id, t.exception())))
        vm.ssh_timer = self._loop.call_later(self.ssh_delay, start)

    def _disk(self, attachment: DiskAttachment) -> Disk:
        path = self.disks.volume(attachment.volume_id)
        if not path.exists():
            raise BackendError(f"volume {attachment.volume_id} has no data on this machine")
        return Disk(attachment.volume_id, attachment.device_name, path)

    def _call(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _stop(self, vm: _Vm) -> None:
        with self._lock:
            if self._vms.get(vm.spec.vm_id) is not vm:
                return  # another thread stops it (a stop call and a poweroff inside at once)
            del self._vms[vm.spec.vm_id]
        if vm.ssh_timer is not None:
            self._loop.call_soon_threadsafe(vm.ssh_timer.cancel)
        try:
            if vm.windows is not None:
                vm.windows.stop()
            if vm.relay is not None:
                self._call(vm.relay.stop())
            if vm.endpoint is not None:
                self._call(vm.endpoint.stop())
        except Exception:  # the disks must be released all the same
            log.exception("VM %s: stopping its SSH endpoint failed", vm.spec.vm_id)
        finally:
            vm.sandbox.stop()

    @_reported
    def stop_vm(self, vm_id: str) -> None:
        vm = self._vms.get(vm_id)
        if vm is not None:
            self._stop(vm)
            log.info("VM %s stopped", vm_id)

    @_reported
    def delete_vm(self, vm_id: str) -> None:
        self.stop_vm(vm_id)
        shutil.rmtree(self.root / "vms" / checked_id(vm_id), ignore_errors=True)

    @_reported
    def link_volume(self, vm_id: str, attachment: DiskAttachment) -> None:
        if self.host_vm and vm_id == self.host_vm.vm_id:
            self.host_vm.link(attachment, self.disks.volume(attachment.volume_id))
            return
        vm = self._vms.get(vm_id)
        if vm is not None:  # a stopped VM gets its disks from its spec at start
            with self._lock:
                vm.sandbox.add_disk(self._disk(attachment))

    @_reported
    def unlink_volume(self, vm_id: str, volume_id: str) -> None:
        if self.host_vm and vm_id == self.host_vm.vm_id:
            self.host_vm.unlink(volume_id)
            return
        vm = self._vms.get(vm_id)
        if vm is not None:
            with self._lock:
                vm.sandbox.remove_disk(volume_id)

    def host_device_path(self, vm_id: str, volume_id: str) -> str | None:
        """Where a volume linked to the host VM appears on this machine (e.g. /dev/xvdf)."""
        if self.host_vm and vm_id == self.host_vm.vm_id:
            return self.host_vm.device_path(volume_id)
        return None

    @_reported
    def link_public_ip(self, vm_id: str, public_ip: str) -> None:
        """A running VM answers SSH on ``public_ip`` too (a stopped one gets it at start)."""
        vm = self._vms.get(vm_id)
        if vm is not None and vm.windows is not None:
            vm.windows.endpoint.listen(public_ip)
        if vm is not None and vm.endpoint is not None:
            self._call(vm.endpoint.listen(public_ip))

    @_reported
    def unlink_public_ip(self, vm_id: str, public_ip: str) -> None:
        vm = self._vms.get(vm_id)
        if vm is not None and vm.windows is not None:
            vm.windows.endpoint.unlisten(public_ip)
        if vm is not None and vm.endpoint is not None:
            self._call(vm.endpoint.unlisten(public_ip))

    @_reported
    def sync_vm(self, vm_id: str) -> None:
        vm = self._vms.get(vm_id)
        if vm is not None:
            vm.sandbox.sync()

    def console_output(self, vm_id: str) -> str:
        path = self.root / "vms" / checked_id(vm_id) / "console.log"
        try:
            return path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def running_vms(self) -> list[str]:
        return sorted(self._vms)

    def _watch_devices(self) -> None:
        while not self._closed.wait(self._poll_interval):
            self._watch_reboots()
            for vm in list(self._vms.values()):
                with self._lock, contextlib.suppress(Exception):
                    vm.sandbox.refresh_nodes()
            if self.host_vm:
                with contextlib.suppress(Exception):
                    self.host_vm.refresh()

    def _watch_reboots(self) -> None:
        """A guest whose init ended by itself: rebooted (boot it again) or shut down."""
        for vm in list(self._vms.values()):
            process = vm.sandbox.process
            if (vm.rebooting or vm.powered_off or not vm.sandbox.booted or process is None
                    or process.poll() is None):
                continue  # booting (a failed boot is start_vm's to report), or running
            with self._lock:  # a stop in progress ends init too: not the guest's doing
                if self._vms.get(vm.spec.vm_id) is not vm or vm.sandbox.process is not process:
                    continue
                if process.returncode in REBOOT_STATUSES:
                    vm.rebooting = True
                    target, name = self._reboot, f"reboot-{vm.spec.vm_id}"
                else:
                    vm.powered_off = True
                    target, name = self._powered_off, f"poweroff-{vm.spec.vm_id}"
            threading.Thread(target=target, args=(vm,), name=name, daemon=True).start()

    def _powered_off(self, vm: _Vm) -> None:
        """Release a VM its own OS shut down, then tell the API layer (its state changes)."""
        log.info("VM %s was shut down from inside (init exit status %s)", vm.spec.vm_id,
                 vm.sandbox.process.returncode if vm.sandbox.process else "?")
        try:
            self._stop(vm)
        except Exception:
            log.exception("VM %s: releasing it after its shutdown failed", vm.spec.vm_id)
        if self._guest_shutdown_handler is not None and not self._closed.is_set():
            try:
                self._guest_shutdown_handler(vm.spec.vm_id)
            except Exception:
                log.exception("VM %s: reporting its shutdown failed", vm.spec.vm_id)

    def _reboot(self, vm: _Vm) -> None:
        log.info("VM %s rebooted itself: booting it again", vm.spec.vm_id)
        try:
            if vm.relay is not None:
                self._call(vm.relay.stop())
                vm.relay = None
            with self._lock:
                if self._vms.get(vm.spec.vm_id) is not vm:
                    return  # stopped or deleted meanwhile
                vm.sandbox.stop()
                vm.sandbox.boot()
            self._open_archive_relay(vm)
        except Exception:
            log.exception("VM %s: reboot failed", vm.spec.vm_id)
        finally:
            vm.rebooting = False

    # -- lifecycle ----------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every VM, remove host links and detach every loop device made."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._watcher.join()
        for vm in list(self._vms.values()):
            try:
                self._stop(vm)
            except Exception:
                log.exception("stopping VM %s failed", vm.spec.vm_id)
        if self.host_vm:
            self.host_vm.close()
        if self.proxy is not None:
            with contextlib.suppress(Exception):
                self._call(self.proxy.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_thread.join(5)
        cleanup.remove_leftovers(self.root, self._links)
