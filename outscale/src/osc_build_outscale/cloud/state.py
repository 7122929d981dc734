"""The typed state that the steps of a VM-based build fill in, in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from osc_build_outscale.client import Credentials, OscClient


@dataclass
class VmBuildState:
    client: OscClient | None = None
    credentials: Credentials | None = None
    # A region learnt before the credentials step (chroot: the metadata service's), used
    # when nothing else names one.
    found_region: str = ""
    account_id: str = ""
    source_image: dict[str, Any] | None = None
    net_id: str | None = None
    subnet_id: str | None = None
    subregion_name: str | None = None
    keypair_name: str | None = None
    private_key: str | None = field(default=None, repr=False)  # PEM, a secret: never logged
    public_ip: dict[str, Any] | None = None
    security_group_ids: list[str] = field(default_factory=list)
    vm: dict[str, Any] | None = None
    ssh_host: str | None = None
    # The Windows administrator password read from the cloud (winrm): a secret, never logged.
    winrm_password: str | None = field(default=None, repr=False)
    images: dict[str, str] = field(default_factory=dict)  # region -> OMI id, build region first
    snapshots: dict[str, list[str]] = field(default_factory=dict)  # region -> snapshot ids
    # omi_regions: region -> regions.RegionAccess (client, account), checked at prepare time
    regions: dict[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> OscClient:
        if self.client is None:
            raise RuntimeError("no API client yet: the credentials step must run first")
        return self.client

    @property
    def region(self) -> str:
        return self.api.region

    def build_info(self) -> dict[str, Any]:
        """Data for ``{{ .SourceOMI }}``-style templates in tags and descriptions."""
        image = self.source_image or {}
        return {
            "BuildRegion": self.region if self.client else "",
            "SourceOMI": image.get("ImageId", ""),
            "SourceOMIName": image.get("ImageName", ""),
            "SourceOMITags": {t["Key"]: t["Value"] for t in image.get("Tags") or []},
        }
