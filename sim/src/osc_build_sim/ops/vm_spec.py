"""What the machine layer needs to run a VM: its disks, addresses, keys and firewall.

Shared by the operations that start VMs (CreateVms, StartVms) and by recovery
after a restart.
"""

from __future__ import annotations

import base64
import ipaddress

from ..backend import DiskAttachment, VmSpec
from ..engine import Simulator
from ..store import Tx


def _allowed(sim: Simulator, vm_id: str):
    """Security-group check for the machine layer's SSH server (read at each connection)."""
    def is_allowed(client_ip: str, port: int) -> bool:
        with sim.store.read() as tx:
            vm = tx.get("vm", vm_id)
            groups = [tx.get("security_group", g["SecurityGroupId"])
                      for g in (vm or {}).get("SecurityGroups", [])]
        address = ipaddress.ip_address(client_ip)
        for group in filter(None, groups):
            for rule in group["InboundRules"]:
                proto_ok = rule["IpProtocol"] in ("tcp", "-1")
                ports_ok = rule["IpProtocol"] == "-1" or (
                    rule.get("FromPortRange", 0) <= port <= rule.get("ToPortRange", 65535))
                if proto_ok and ports_ok and any(
                        address in ipaddress.ip_network(r, strict=False)
                        for r in rule.get("IpRanges", [])):
                    return True
        return False
    return is_allowed


def vm_spec(sim: Simulator, tx: Tx, vm: dict) -> VmSpec:
    keys: tuple[str, ...] = ()
    if vm.get("KeypairName"):
        for keypair in tx.list("keypair", vm["_region"]):
            if keypair["_owner"] == vm["_owner"] and keypair["KeypairName"] == vm["KeypairName"]:
                keys = (keypair["_public_key"],)
    image = tx.get("image", vm["ImageId"])
    return VmSpec(
        vm_id=vm["VmId"], root_device_name=vm["RootDeviceName"],
        disks=tuple(DiskAttachment(m["Bsu"]["VolumeId"], m["DeviceName"])
                    for m in vm["BlockDeviceMappings"]),
        private_ip=vm["PrivateIp"], public_ip=vm.get("PublicIp"),
        default_user=(image or {}).get("_default_user", "outscale"), authorized_keys=keys,
        user_data=base64.b64decode(vm.get("UserData", "")), is_allowed=_allowed(sim, vm["VmId"]),
        platform=vm.get("_platform", ""))
