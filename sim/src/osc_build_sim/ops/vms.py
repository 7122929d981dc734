"""CreateVms, ReadVms and UpdateVm."""

from __future__ import annotations

import base64
import binascii

from .. import filters
from ..backend import VmSpec
from ..catalogue import VM_TYPES
from ..engine import new_id, now_iso
from ..errors import ApiError, invalid, not_found
from ..store import Tx, public
from . import Ctx, operation
from .common import base_doc, get_owned, owned
from .images import find_image
from .security_groups import default_group
from .shutdown import shutdown_fields
from .vm_spec import vm_spec
from .vm_state import delete_released_volumes, release_vm
from .volumes import new_volume, volume_creation_work

VM_TYPE_NAMES = {name for name, *_ in VM_TYPES}


def _volumes_for(ctx: Ctx, tx: Tx, image: dict, body: dict, subregion: str) -> list[dict]:
    """Image mappings overridden by the request's BlockDeviceMappings, as new volumes."""
    mappings = {m["DeviceName"]: dict(m["Bsu"]) for m in image["BlockDeviceMappings"]}
    for mapping in body.get("BlockDeviceMappings", []):
        device = mapping.get("DeviceName", "")
        if "NoDevice" in mapping:
            mappings.pop(device, None)
            continue
        mappings[device] = {**mappings.get(device, {}), **mapping.get("Bsu", {})}
    volumes = []
    for device, bsu in mappings.items():
        volume = new_volume(ctx, tx, size=bsu.get("VolumeSize"),
                            volume_type=bsu.get("VolumeType", "standard"), subregion=subregion,
                            snapshot_id=bsu.get("SnapshotId"), iops=bsu.get("Iops"))
        volume["_device"] = device
        volume["_delete_on_vm_deletion"] = bsu.get("DeleteOnVmDeletion", True)
        volumes.append(volume)
    return volumes


def _groups(ctx: Ctx, tx: Tx, body: dict, net_id: str | None) -> list[dict]:
    groups = [get_owned(ctx, tx, "security_group", g) for g in body.get("SecurityGroupIds", [])]
    for name in body.get("SecurityGroups", []):
        match = [g for g in owned(ctx, tx, "security_group") if g["SecurityGroupName"] == name
                 and g.get("NetId") == net_id]
        if not match:
            raise not_found(5020, "security group", name)
        groups.append(match[0])
    if any(g.get("NetId") != net_id for g in groups):
        raise invalid("Security groups must belong to the VM's Net (or to no Net).")
    return groups or [default_group(ctx, tx, net_id)]


@operation("CreateVms")
def create_vms(ctx: Ctx, body: dict) -> dict:
    count = body.get("MaxVmsCount", body.get("MinVmsCount", 1))
    if not 1 <= count <= 20:
        raise invalid("MinVmsCount/MaxVmsCount must be between 1 and 20.")
    vm_type = body.get("VmType", "t2.small")
    if vm_type not in VM_TYPE_NAMES:
        raise invalid(f"VmType {vm_type!r} is not a known VM type (see ReadVmTypes).")
    if user_data := body.get("UserData"):
        try:
            base64.b64decode(user_data, validate=True)
        except binascii.Error:
            raise invalid("UserData must be Base64-encoded.") from None
    created, jobs = [], []
    with ctx.sim.store.write() as tx:
        image = find_image(ctx, tx, body["ImageId"])
        if image["State"] != "available":
            raise ApiError(409, 6001, f"OMI {image['ImageId']} is {image['State']}.")
        subnet = get_owned(ctx, tx, "subnet", body["SubnetId"]) if body.get("SubnetId") else None
        subregions = [ctx.region + s for s in ctx.sim.config.regions[ctx.region].subregions]
        subregion = (subnet["SubregionName"] if subnet
                     else body.get("Placement", {}).get("SubregionName", subregions[0]))
        if subregion not in subregions:
            raise invalid(f"SubregionName {subregion!r} is not a subregion of {ctx.region}.")
        keypair = body.get("KeypairName")
        if keypair and not any(k["KeypairName"] == keypair for k in owned(ctx, tx, "keypair")):
            raise not_found(5071, "keypair", keypair)
        net_id = subnet["NetId"] if subnet else None
        groups = _groups(ctx, tx, body, net_id)
        reservation = new_id("r")
        boot = body.get("BootOnCreation", True)
        for index in range(count):
            vm_id = new_id("i")
            stamp = now_iso()
            volumes = _volumes_for(ctx, tx, image, body, subregion)
            private_ip = ctx.sim.allocate_private_ip(tx, subnet)
            vm = {**base_doc(ctx, "vm", vm_id), "VmId": vm_id, "State": "pending",
                  "StateReason": "", "VmType": vm_type, "ImageId": image["ImageId"],
                  "BlockDeviceMappings": [], "RootDeviceName": image["RootDeviceName"],
                  "RootDeviceType": "ebs",
                  "SecurityGroups": [{"SecurityGroupId": g["SecurityGroupId"],
                                      "SecurityGroupName": g["SecurityGroupName"]}
                                     for g in groups],
                  "Placement": {"SubregionName": subregion, "Tenancy": "default"},
                  "PrivateIp": private_ip,
                  "PrivateDnsName": f"ip-{private_ip.replace('.', '-')}.{ctx.region}"
                                    ".compute.internal",
                  "Architecture": image["Architecture"],
                  "BootMode": body.get("BootMode", image["BootModes"][0]),
                  "CreationDate": stamp, "Hypervisor": "xen", "LaunchNumber": index,
                  "Performance": body.get("Performance", "high"),
                  "ProductCodes": image.get("ProductCodes", []), "ReservationId": reservation,
                  "Tags": [], "UserData": user_data or "",
                  **shutdown_fields(body),
                  "DeletionProtection": body.get("DeletionProtection", False),
                  "IsSourceDestChecked": True,
                  "NestedVirtualization": body.get("NestedVirtualization", False),
                  "BsuOptimized": False, "TpmEnabled": body.get("TpmEnabled", False),
                  "ClientToken": body.get("ClientToken", "")}
            if keypair:
                vm["KeypairName"] = keypair
            if image.get("_platform") == "windows":
                vm.update(_platform="windows", OsFamily="windows")
            if subnet:
                vm.update(SubnetId=subnet["SubnetId"], NetId=subnet["NetId"])
            if not subnet or subnet.get("MapPublicIpOnLaunch"):
                public_ip = ctx.sim.allocate_public_ip(tx)
                vm.update(PublicIp=public_ip, PublicDnsName=f"ows-{public_ip.replace('.', '-')}"
                                                            f".{ctx.region}.compute.outscale.com")
            works = []
            for volume in volumes:
                volume["State"] = "in-use"
                volume["LinkedVolumes"] = [{
                    "VmId": vm_id, "VolumeId": volume["_id"], "DeviceName": volume["_device"],
                    "State": "attached",
                    "DeleteOnVmDeletion": volume["_delete_on_vm_deletion"]}]
                vm["BlockDeviceMappings"].append({"DeviceName": volume["_device"], "Bsu": {
                    "VolumeId": volume["_id"], "State": "attached", "LinkDate": stamp,
                    "DeleteOnVmDeletion": volume["_delete_on_vm_deletion"]}})
                tx.put(volume)
                works.append(volume_creation_work(ctx, tx, volume))
            tx.put(vm)
            created.append(vm)
            jobs.append((vm, works, vm_spec(ctx.sim, tx, vm)))
    for vm, works, spec in jobs:
        ctx.sim.submit(boot_job(ctx, vm["_id"], works, spec if boot else None,
                                ctx.sim.faults.transition(ctx.operation)))
    return {"Vms": [public(vm) for vm in created]}


def boot_job(ctx: Ctx, vm_id: str, works: list, spec: VmSpec | None, fault: str | None):
    """Create the disks, start the VM (unless BootOnCreation is false), then running."""
    def work() -> None:
        for each in works:
            each()
        if spec is not None:
            ctx.sim.backend.start_vm(spec)

    def finish(tx: Tx, vm: dict) -> None:
        if vm["State"] == "pending":
            vm["State"] = "running" if spec is not None else "stopped"
            tx.put(vm)

    def fail(tx: Tx, vm: dict, message: str) -> None:
        # A VM that fails to boot ends terminated, as DeleteVms would leave it: its
        # volumes are deleted or released, not left in use by a VM that is gone.
        volumes = release_vm(tx, vm)
        vm["StateReason"] = f"Server.InternalError: {message}"
        tx.put(vm)
        delete_released_volumes(ctx.sim, volumes)
    return ctx.sim.transition("vm", vm_id, delay=ctx.sim.timings["vm_boot"], work=work,
                              finish=finish, fail=fail, fault=fault)


@operation("ReadVms")
def read_vms(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "vm")

    def bdm(key):
        return lambda d: [m["Bsu"][key] for m in d["BlockDeviceMappings"]]
    items = filters.apply(items, body.get("Filters"), {
        **filters.tag_extractors(),
        "VmIds": filters.field("VmId"), "VmStateNames": filters.field("State"),
        "ImageIds": filters.field("ImageId"), "KeypairNames": filters.field("KeypairName"),
        "SubnetIds": filters.field("SubnetId"), "NetIds": filters.field("NetId"),
        "VmTypes": filters.field("VmType"), "PrivateIps": filters.field("PrivateIp"),
        "PublicIps": filters.field("PublicIp"), "Architectures": filters.field("Architecture"),
        "SecurityGroupIds": lambda d: [g["SecurityGroupId"] for g in d["SecurityGroups"]],
        "SecurityGroupNames": lambda d: [g["SecurityGroupName"] for g in d["SecurityGroups"]],
        "SubregionNames": lambda d: [d["Placement"]["SubregionName"]],
        "BlockDeviceMappingVolumeIds": bdm("VolumeId"),
        "BlockDeviceMappingStates": bdm("State"),
        "BlockDeviceMappingDeviceNames": lambda d: [m["DeviceName"]
                                                    for m in d["BlockDeviceMappings"]],
        "ReservationIds": filters.field("ReservationId"),
        "ClientTokens": filters.field("ClientToken"),
        "Platforms": lambda d: [d.get("_platform") or ""],
    })
    return filters.paginate([public(d) for d in items], body, "Vms")


@operation("UpdateVm")
def update_vm(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.write() as tx:
        vm = get_owned(ctx, tx, "vm", body["VmId"])
        if "VmType" in body:
            if vm["State"] != "stopped":
                raise ApiError(409, 6006, "VmType can only change while the VM is stopped.")
            if body["VmType"] not in VM_TYPE_NAMES:
                raise invalid(f"VmType {body['VmType']!r} is not a known VM type.")
        if "SecurityGroupIds" in body:
            groups = [get_owned(ctx, tx, "security_group", g) for g in body["SecurityGroupIds"]]
            vm["SecurityGroups"] = [{"SecurityGroupId": g["SecurityGroupId"],
                                     "SecurityGroupName": g["SecurityGroupName"]} for g in groups]
        for mapping in body.get("BlockDeviceMappings", []):
            for current in vm["BlockDeviceMappings"]:
                if current["DeviceName"] == mapping.get("DeviceName"):
                    flag = mapping.get("Bsu", {}).get("DeleteOnVmDeletion")
                    if flag is not None:
                        current["Bsu"]["DeleteOnVmDeletion"] = flag
        vm.update(shutdown_fields(body, vm))
        for key in ("VmType", "UserData", "KeypairName", "DeletionProtection",
                    "IsSourceDestChecked", "Performance", "NestedVirtualization",
                    "BsuOptimized"):
            if key in body:
                vm[key] = body[key]
        tx.put(vm)
    return {"Vm": public(vm)}
