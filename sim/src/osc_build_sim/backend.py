"""What the API layer asks of the machine layer.

The API side (state, validation, signatures) keeps every resource in SQLite and
calls a :class:`Backend` at each point where something real must happen: a disk
file to create, a snapshot to copy, a sandboxed VM to boot. :class:`NullBackend`
does nothing (part 1 of the simulator: API only); the machine layer
(``osc_build_sim.machine``) provides the real one.

All methods are called from the simulator's worker threads, never while a
database transaction is open, and may block; they raise
:class:`BackendError` with a human message when something cannot be done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class BackendError(Exception):
    """A real operation failed (disk full, mount failed, ...)."""


@dataclass(frozen=True)
class DiskAttachment:
    volume_id: str
    device_name: str  # "/dev/sda1", "/dev/xvdb", ...


@dataclass(frozen=True)
class VmSpec:
    """Everything the machine layer needs to boot one VM."""

    vm_id: str
    root_device_name: str
    disks: tuple[DiskAttachment, ...]
    private_ip: str  # always in 127.0.0.0/8
    public_ip: str | None  # always in 127.0.0.0/8 when set
    default_user: str  # e.g. "outscale"
    authorized_keys: tuple[str, ...] = ()  # OpenSSH public keys of the VM's keypair
    user_data: bytes = b""  # already base64-decoded
    # Called by the SSH server for each connection: may this client reach this port?
    is_allowed: Callable[[str, int], bool] = field(default=lambda ip, port: True, compare=False)
    platform: str = ""  # "windows" for a Windows VM (WinRM instead of SSH), else Linux


class Backend(Protocol):
    # Disks
    def create_volume(self, volume_id: str, size_gib: int, snapshot_id: str | None) -> None: ...
    def delete_volume(self, volume_id: str) -> None: ...
    def create_snapshot(self, snapshot_id: str, volume_id: str,
                        progress: Callable[[int], None]) -> None: ...
    def delete_snapshot(self, snapshot_id: str) -> None: ...
    def ensure_public_image(self, snapshot_id: str, image_name: str, size_gib: int) -> None:
        """Make the root snapshot of a public catalogue image exist (built once, cached)."""

    # VMs
    def start_vm(self, spec: VmSpec) -> None: ...
    def stop_vm(self, vm_id: str) -> None: ...
    def delete_vm(self, vm_id: str) -> None: ...
    def link_volume(self, vm_id: str, attachment: DiskAttachment) -> None: ...
    def unlink_volume(self, vm_id: str, volume_id: str) -> None: ...
    def sync_vm(self, vm_id: str) -> None:
        """Flush a running VM's disks before a NoReboot snapshot."""
    def console_output(self, vm_id: str) -> str: ...

    # Optional (added after the first contract; the API layer tolerates their absence)
    def copy_snapshot(self, snapshot_id: str, source_snapshot_id: str,
                      progress: Callable[[int], None]) -> None:
        """Make ``snapshot_id`` a copy of ``source_snapshot_id`` (image or snapshot copies)."""
    def link_public_ip(self, vm_id: str, public_ip: str) -> None:
        """The VM (running or not) now also answers on ``public_ip`` (LinkPublicIp)."""
    def unlink_public_ip(self, vm_id: str, public_ip: str) -> None: ...
    def snapshot_file(self, snapshot_id: str) -> Path:
        """The raw file of a snapshot, for exports (absent: the export is a blank disk)."""
    def import_snapshot(self, snapshot_id: str, raw: Path) -> None:
        """Take the raw file ``raw`` (moved) as the data of ``snapshot_id`` (imports)."""
    def set_guest_shutdown_handler(self, handler: Callable[[str], None]) -> None:
        """Call ``handler(vm_id)`` when a running VM's own OS shuts it down (``poweroff``
        inside), after its resources are released; the API layer moves its state."""
    def windows_admin_password(self, vm_id: str) -> str | None:
        """The Windows VM's generated password once its first boot is over, else None."""

    # Lifecycle
    def shutdown(self) -> None: ...


class NullBackend:
    """A backend that makes nothing real: the API-only simulator."""

    def create_volume(self, volume_id, size_gib, snapshot_id): pass
    def delete_volume(self, volume_id): pass
    def create_snapshot(self, snapshot_id, volume_id, progress): progress(100)
    def delete_snapshot(self, snapshot_id): pass
    def ensure_public_image(self, snapshot_id, image_name, size_gib): pass
    def start_vm(self, spec): pass
    def stop_vm(self, vm_id): pass
    def delete_vm(self, vm_id): pass
    def link_volume(self, vm_id, attachment): pass
    def unlink_volume(self, vm_id, volume_id): pass
    def sync_vm(self, vm_id): pass
    def console_output(self, vm_id): return ""
    def copy_snapshot(self, snapshot_id, source_snapshot_id, progress): progress(100)
    def link_public_ip(self, vm_id, public_ip): pass
    def unlink_public_ip(self, vm_id, public_ip): pass
    def set_guest_shutdown_handler(self, handler): pass  # no guest OS to shut itself down
    def windows_admin_password(self, vm_id): return None  # no guest boots
    def shutdown(self): pass
