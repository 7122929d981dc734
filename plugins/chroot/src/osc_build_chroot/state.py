"""What the chroot build's steps learn and make, in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from osc_build_outscale.cloud.state import VmBuildState


@dataclass
class ChrootBuildState(VmBuildState):
    host_vm: dict[str, Any] | None = None  # the VM this build runs on
    host_region: str = ""  # its region, from the metadata service
    source_copy: dict[str, Any] | None = None  # this account's copy of a foreign source
    adopted_snapshots: list[str] = field(default_factory=list)  # the copy's, kept by the OMI
    lock: Any = None  # the held device lock (osc_build_chroot.devices.DeviceLock)
    device: str = ""  # API device name the volume is linked at, e.g. /dev/xvdf
    volume_id: str = ""
    mount_device: str = ""  # the node that is mounted, e.g. /dev/xvdf1
    mount_path: str = ""
    mounted: list[str] = field(default_factory=list)  # mount points, mount order
    copied_files: list[str] = field(default_factory=list)  # paths inside the chroot
    snapshot_id: str = ""

    def command_data(self) -> dict[str, Any]:
        """Data for ``{{.Device}}`` and ``{{.MountPath}}`` in the chroot's command options."""
        return {**self.build_info(), "Device": self.device_node, "MountPath": self.mount_path}

    @property
    def device_node(self) -> str:
        """The whole-disk node on this machine (nvme_device_path, or the linked device)."""
        return self.mount_device or self.device
