"""The public image catalogue (account alias ``Outscale``) and the VM types.

On the machine backend, Debian images boot real Debian (bootstrapped from the archive),
``Minimal-Host-Userland-*`` boots this machine's own binaries (fast, no init), and the
others cannot boot (no reachable archive); their description says why
(``guest_images``).
"""

from __future__ import annotations

import hashlib

from .engine import CATALOGUE_ACCOUNT_ID, CATALOGUE_ALIAS
from .guest_images import resolve
from .store import Tx

# (name, root size GiB, default user, boot modes)
PUBLIC_IMAGES = (
    ("Debian-11-2025.12.02-0", 10, "outscale", ["legacy"]),
    ("Debian-12-2025.12.03-0", 10, "outscale", ["legacy", "uefi"]),
    ("Debian-12-2026.01.15-0", 10, "outscale", ["legacy", "uefi"]),
    ("Debian-13-2026.01.15-0", 10, "outscale", ["legacy", "uefi"]),
    ("Ubuntu-22.04-2026.01.10-0", 10, "outscale", ["legacy", "uefi"]),
    ("Ubuntu-24.04-2025.11.20-0", 10, "outscale", ["legacy", "uefi"]),
    ("Ubuntu-24.04-2026.01.10-0", 10, "outscale", ["legacy", "uefi"]),
    ("RockyLinux-9-2026.01.12-0", 10, "outscale", ["legacy", "uefi"]),
    ("RockyLinux-10-2026.01.12-0", 10, "outscale", ["legacy", "uefi"]),
    ("RHEL-9-2026.01.08-0", 10, "outscale", ["legacy", "uefi"]),
    ("RHEL-10-2026.01.08-0", 10, "outscale", ["legacy", "uefi"]),
    ("CentOS-Stream-9-2026.01.05-0", 10, "outscale", ["legacy", "uefi"]),
    ("AlmaLinux-9-2026.01.09-0", 10, "outscale", ["legacy", "uefi"]),
    ("Minimal-Host-Userland-2026.01.15-0", 10, "outscale", ["legacy", "uefi"]),
    ("Windows-Server-2022-Sim-2026.01.20-0", 30, "Administrator", ["legacy", "uefi"]),
)
# ProductCodes of Windows OMIs (a guess: OUTSCALE bills Windows licences by product code).
WINDOWS_PRODUCT_CODES = ["0002"]

# (name, vcores, memory GiB)
VM_TYPES = (*(
    (f"tinav{gen}.c{c}r{r}p{p}", c, float(r))
    for gen in (5, 6, 7)
    for c, r in ((1, 1), (1, 2), (2, 2), (2, 4), (2, 8), (4, 4), (4, 8), (4, 16), (8, 16),
                 (8, 32), (16, 32), (16, 64))
    for p in (1, 2, 3)
), ("t2.small", 1, 2.0), ("t2.medium", 2, 4.0))


def _stable_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.sha256('/'.join(parts).encode()).hexdigest()[:8]}"


def describe(name: str) -> str:
    guest = resolve(name)
    if guest.kind == "windows":
        return (f"{name} (simulated Windows: WinRM on 5985/5986, PowerShell and cmd subset "
                "interpreted by osc-build-sim, not Windows)")
    return name if guest.available else f"{name} (cannot boot on this simulator: {guest.reason})"


def seed(tx: Tx, region: str, created: str) -> None:
    """Create the catalogue of ``region`` once (stable ids, so restarts add nothing)."""
    for name, size, user, boot_modes in PUBLIC_IMAGES:
        image_id = _stable_id("ami", region, name)
        if tx.get("image", image_id) is not None:
            continue
        snapshot_id = _stable_id("snap", region, name)
        windows = resolve(name).kind == "windows"
        common = {"_region": region, "_owner": CATALOGUE_ACCOUNT_ID}
        tx.put({**common, "_id": snapshot_id, "_kind": "snapshot", "_public_image": name,
                "SnapshotId": snapshot_id, "State": "completed", "Progress": 100,
                "VolumeId": "", "VolumeSize": size, "Description": f"Root of {name}",
                "CreationDate": created, "AccountId": CATALOGUE_ACCOUNT_ID,
                "AccountAlias": CATALOGUE_ALIAS,
                "PermissionsToCreateVolume": {"AccountIds": [], "GlobalPermission": True},
                "Tags": []})
        tx.put({**common, "_id": image_id, "_kind": "image", "_default_user": user,
                **({"_platform": "windows"} if windows else {}),
                "ImageId": image_id, "ImageName": name, "Description": describe(name),
                "State": "available", "StateComment": {}, "AccountId": CATALOGUE_ACCOUNT_ID,
                "AccountAlias": CATALOGUE_ALIAS, "Architecture": "x86_64",
                "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {
                    "SnapshotId": snapshot_id, "VolumeSize": size, "VolumeType": "standard",
                    "DeleteOnVmDeletion": True}}],
                "BootModes": boot_modes, "CreationDate": created, "FileLocation": "",
                "ImageType": "machine",
                "PermissionsToLaunch": {"AccountIds": [], "GlobalPermission": True},
                "ProductCodes": WINDOWS_PRODUCT_CODES if windows else ["0001"],
                "RootDeviceName": "/dev/sda1",
                "RootDeviceType": "bsu", "SecureBoot": False, "Tags": [],
                "TpmMandatory": False})
