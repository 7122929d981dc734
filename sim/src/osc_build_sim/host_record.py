"""The host VM's API record: this machine as a running VM of its Region's account.

With ``serve --backend machine --host-vm``, the machine backend serves the
metadata of a VM that stands for this machine (for the chroot builder) and
volumes linked to it appear here. This module gives that VM its record in the
API state, so that ReadVms finds it and LinkVolume accepts it. The id is kept
in ``DATA_DIR/host-vm.json`` so that a restart keeps the same VM.
"""

from __future__ import annotations

import json
from pathlib import Path

from .engine import new_id, now_iso
from .machine.metadata import INSTANCE_TYPE, PRIVATE_IP, ROOT_DEVICE, private_dns_name

RECORD_FILE = "host-vm.json"


def host_vm_id(data_dir: Path, wanted: str = "auto") -> str:
    """The host VM's id: ``wanted``, or the one kept from before, or a new one."""
    path = Path(data_dir) / RECORD_FILE
    if wanted and wanted != "auto":
        vm_id = wanted
    else:
        try:
            vm_id = json.loads(path.read_text())["vm_id"]
        except (OSError, ValueError, KeyError):
            vm_id = new_id("i")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"vm_id": vm_id}) + "\n")
    return vm_id


def ensure_record(server, vm_id: str, region: str, subregion: str) -> None:
    """Put the running VM ``vm_id`` in the state of ``region``'s account."""
    account = server.config.region_account(region).account_id
    with server.sim.store.write() as tx:
        existing = tx.get("vm", vm_id)
        if (existing is not None and existing["_region"] == region
                and existing["_owner"] == account):
            return
        tx.put({
            "_id": vm_id, "_kind": "vm", "_region": region, "_owner": account,
            "VmId": vm_id, "State": "running", "StateReason": "", "VmType": INSTANCE_TYPE,
            "ImageId": "", "BlockDeviceMappings": [], "RootDeviceName": ROOT_DEVICE,
            "RootDeviceType": "ebs", "SecurityGroups": [],
            "Placement": {"SubregionName": subregion, "Tenancy": "default"},
            "PrivateIp": PRIVATE_IP,
            "PrivateDnsName": private_dns_name(region),
            "Architecture": "x86_64", "BootMode": "legacy", "CreationDate": now_iso(),
            "Hypervisor": "xen", "LaunchNumber": 0, "Performance": "high", "ProductCodes": [],
            "ReservationId": new_id("r"), "UserData": "",
            "Tags": [{"Key": "Name", "Value": "osc-build-sim host"}],
            "VmInitiatedShutdownBehavior": "stop", "DeletionProtection": True,
            "IsSourceDestChecked": True, "NestedVirtualization": False, "BsuOptimized": False,
            "TpmEnabled": False, "ClientToken": ""})
