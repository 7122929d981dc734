"""VM lifecycle: StopVms, StartVms, DeleteVms, ReadVmsState, console and password."""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING

from .. import filters
from ..errors import ApiError, not_found
from ..store import Tx
from . import Ctx, operation
from .common import get_owned, owned
from .vm_spec import vm_spec

if TYPE_CHECKING:
    from ..engine import Simulator

log = logging.getLogger(__name__)


def _state_change(vm: dict, previous: str) -> dict:
    return {"VmId": vm["VmId"], "PreviousState": previous, "CurrentState": vm["State"]}


def _vms(ctx: Ctx, tx: Tx, ids: list[str]) -> list[dict]:
    return [get_owned(ctx, tx, "vm", ident) for ident in ids]


@operation("StopVms")
def stop_vms(ctx: Ctx, body: dict) -> dict:
    changes, started = [], []
    with ctx.sim.store.write() as tx:
        for vm in _vms(ctx, tx, body["VmIds"]):
            previous = vm["State"]
            if previous in ("running", "pending"):
                vm["State"] = "stopping"
                tx.put(vm)
                started.append(vm["_id"])
            elif previous not in ("stopping", "stopped"):
                raise ApiError(409, 6006, f"VM {vm['VmId']} is {previous}; it cannot be stopped.")
            changes.append(_state_change(vm, previous))

    for vm_id in started:
        _submit_stop(ctx.sim, vm_id, fault=ctx.sim.faults.transition(ctx.operation))
    return {"Vms": changes}


def _submit_stop(sim: Simulator, vm_id: str, fault: str | None = None) -> None:
    """The job that ends a ``stopping`` VM: its backend stop, then ``stopped``."""
    def finish(tx: Tx, vm: dict) -> None:
        if vm["State"] == "stopping":
            vm["State"] = "stopped"
            tx.put(vm)

    def fail(tx: Tx, vm: dict, message: str) -> None:
        vm.update(State="running", StateReason=f"Server.InternalError: {message}")
        tx.put(vm)
    sim.submit(sim.transition("vm", vm_id, delay=sim.timings["vm_stop"], finish=finish,
                              fail=fail, work=lambda: sim.backend.stop_vm(vm_id), fault=fault))


@operation("StartVms")
def start_vms(ctx: Ctx, body: dict) -> dict:
    changes, started = [], []
    with ctx.sim.store.write() as tx:
        for vm in _vms(ctx, tx, body["VmIds"]):
            previous = vm["State"]
            if previous == "stopped":
                vm["State"] = "pending"
                tx.put(vm)
                started.append((vm["_id"], vm_spec(ctx.sim, tx, vm)))
            elif previous not in ("pending", "running"):
                raise ApiError(409, 6006, f"VM {vm['VmId']} is {previous}; it cannot be started.")
            changes.append(_state_change(vm, previous))

    def finish(tx: Tx, vm: dict) -> None:
        if vm["State"] == "pending":
            vm["State"] = "running"
            tx.put(vm)

    def fail(tx: Tx, vm: dict, message: str) -> None:
        vm.update(State="stopped", StateReason=f"Server.InternalError: {message}")
        tx.put(vm)
    for vm_id, spec in started:
        ctx.sim.submit(ctx.sim.transition(
            "vm", vm_id, delay=ctx.sim.timings["vm_start"], finish=finish, fail=fail,
            work=lambda spec=spec: ctx.sim.backend.start_vm(spec),
            fault=ctx.sim.faults.transition(ctx.operation)))
    return {"Vms": changes}


def release_vm(tx: Tx, vm: dict) -> list[str]:
    """Terminate ``vm`` in the store; returns the volumes to delete (now ``deleting``).

    Volumes with DeleteOnVmDeletion pass through ``deleting`` before they vanish, as
    OUTSCALE's do (volume states: creating | available | in-use | deleting | error):
    :func:`delete_released_volumes` ends them.
    """
    doomed = []
    for mapping in vm["BlockDeviceMappings"]:
        volume = tx.get("volume", mapping["Bsu"]["VolumeId"])
        if volume is None:
            continue
        if mapping["Bsu"]["DeleteOnVmDeletion"]:
            volume.update(State="deleting", LinkedVolumes=[])
            tx.put(volume)
            doomed.append(volume["_id"])
        else:
            volume.update(State="available", LinkedVolumes=[])
            tx.put(volume)
    for ip in tx.list("public_ip", vm["_region"]):
        if ip.get("VmId") == vm["VmId"]:
            for key in ("VmId", "LinkPublicIpId", "PrivateIp", "NicId", "NicAccountId"):
                ip.pop(key, None)
            tx.put(ip)
    vm.update(State="terminated", BlockDeviceMappings=[])
    vm.pop("PublicIp", None)
    vm.pop("PublicDnsName", None)
    tx.put(vm)
    return doomed


def delete_released_volumes(sim: Simulator, volume_ids: list[str]) -> None:
    """Jobs that delete the volumes :func:`release_vm` left ``deleting``, after volume_delete."""
    def finish(tx: Tx, volume: dict) -> None:
        tx.delete(volume["_id"])

    def fail(tx: Tx, volume: dict, message: str) -> None:
        volume["State"] = "error"
        tx.put(volume)
    for volume_id in volume_ids:
        sim.submit(sim.transition(
            "volume", volume_id, delay=sim.timings["volume_delete"], finish=finish, fail=fail,
            work=lambda volume_id=volume_id: sim.backend.delete_volume(volume_id)))


@operation("DeleteVms")
def delete_vms(ctx: Ctx, body: dict) -> dict:
    changes, doomed = [], []
    with ctx.sim.store.write() as tx:
        for vm in _vms(ctx, tx, body["VmIds"]):
            previous = vm["State"]
            if previous not in ("terminated", "shutting-down"):
                if vm.get("DeletionProtection"):
                    raise ApiError(409, 6006, f"VM {vm['VmId']} has DeletionProtection.")
                vm["State"] = "shutting-down"
                tx.put(vm)
                doomed.append(vm["_id"])
            changes.append(_state_change(vm, previous))
    for vm_id in doomed:
        _submit_terminate(ctx.sim, vm_id, fault=ctx.sim.faults.transition(ctx.operation))
    return {"Vms": changes}


def _submit_terminate(sim: Simulator, vm_id: str, fault: str | None = None) -> None:
    """The job that ends a ``shutting-down`` VM: its backend deletion, then ``terminated``."""
    def finish(tx: Tx, vm: dict) -> None:
        if vm["State"] == "shutting-down":
            delete_released_volumes(sim, release_vm(tx, vm))

    def fail(tx: Tx, vm: dict, message: str) -> None:
        vm["StateReason"] = f"Server.InternalError: {message}"
        finish(tx, vm)
    sim.submit(sim.transition("vm", vm_id, delay=sim.timings["vm_terminate"], finish=finish,
                              fail=fail, work=lambda: sim.backend.delete_vm(vm_id), fault=fault))


def follow_guest_shutdowns(sim: Simulator) -> None:
    """Have the backend (if it runs real guests) report VMs their own OS shut down."""
    sim.backend.set_guest_shutdown_handler(lambda vm_id: shut_down_from_inside(sim, vm_id))


def shut_down_from_inside(sim: Simulator, vm_id: str) -> None:
    """A running VM's own OS shut it down (``poweroff``, ``shutdown -h``): the backend has
    released it; the VM goes where its shutdown behaviour says.

    Spec 1.42: ``ShutdownBehaviorConfiguration.GuestAction`` is "the action performed by the
    orchestrator when the VM is shut down from the guest operating system", ``stop``
    (default) or ``terminate``; the deprecated ``VmInitiatedShutdownBehavior`` adds
    ``restart`` ("the VM stops then automatically restarts").
    """
    with sim.store.write() as tx:
        vm = tx.get("vm", vm_id)
        if vm is None or vm["State"] != "running":
            return  # already on its way elsewhere (StopVms, DeleteVms)
        legacy = vm.get("VmInitiatedShutdownBehavior", "stop")
        action = (vm.get("ShutdownBehaviorConfiguration") or {}).get("GuestAction", "stop")
        if legacy == "restart":
            action = "restart"
        if action == "restart":
            spec = vm_spec(sim, tx, vm)  # stays running: booted again at once
        else:
            vm["State"] = "shutting-down" if action == "terminate" else "stopping"
            tx.put(vm)
    log.info("VM %s was shut down from inside: %s", vm_id, action)
    if action == "terminate":
        _submit_terminate(sim, vm_id)
    elif action == "stop":
        _submit_stop(sim, vm_id)
    else:
        def fail(tx: Tx, vm: dict, message: str) -> None:
            vm.update(State="stopped", StateReason=f"Server.InternalError: {message}")
            tx.put(vm)
        sim.submit(sim.transition("vm", vm_id, delay=0, finish=lambda tx, vm: None, fail=fail,
                                  work=lambda: sim.backend.start_vm(spec)))


@operation("ReadVmsState")
def read_vms_state(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        items = owned(ctx, tx, "vm")
    if not body.get("AllVms"):
        items = [vm for vm in items if vm["State"] == "running"]
    items = filters.apply(items, body.get("Filters"), {
        "VmIds": filters.field("VmId"), "VmStates": filters.field("State"),
        "SubregionNames": lambda d: [d["Placement"]["SubregionName"]],
    })
    states = [{"VmId": vm["VmId"], "VmState": vm["State"],
               "SubregionName": vm["Placement"]["SubregionName"], "MaintenanceEvents": []}
              for vm in items]
    return filters.paginate(states, body, "VmStates")


@operation("ReadConsoleOutput")
def read_console_output(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        vm = get_owned(ctx, tx, "vm", body["VmId"])
    text = ctx.sim.backend.console_output(vm["VmId"]) or ""
    encoded = base64.b64encode(text.encode()[-65536:]).decode()
    return {"VmId": vm["VmId"], "ConsoleOutput": encoded}


@operation("ReadAdminPassword")
def read_admin_password(ctx: Ctx, body: dict) -> dict:
    with ctx.sim.store.read() as tx:
        vm = tx.get("vm", body["VmId"])
        keypair = None
        if vm is not None and vm.get("KeypairName"):
            keypair = next((k for k in tx.list("keypair", vm["_region"])
                            if k["_owner"] == vm["_owner"]
                            and k["KeypairName"] == vm["KeypairName"]), None)
    if vm is None or vm["_owner"] != ctx.account_id:
        raise not_found(5063, "VM", body["VmId"])
    # Only Windows VMs have a generated password, readable from the end of their first
    # boot until they boot again (OAPI: "After the first boot, returns an empty string").
    password = None
    if vm.get("_platform") == "windows" and vm["State"] == "running" and keypair is not None:
        password = ctx.sim.backend.windows_admin_password(vm["VmId"])
    if not password:
        return {"VmId": vm["VmId"], "AdminPassword": ""}
    return {"VmId": vm["VmId"], "AdminPassword": encrypt_password(password,
                                                                   keypair["_public_key"])}


def encrypt_password(password: str, openssh_public_key: str) -> str:
    """Base64 of the password encrypted with the keypair's RSA key (PKCS#1 v1.5), as
    OUTSCALE and EC2 return it; "" for a key that is not RSA (only RSA keypairs can
    decrypt a Windows password, says OAPI)."""
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    key = load_ssh_public_key(openssh_public_key.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        return ""
    return base64.b64encode(key.encrypt(password.encode(), padding.PKCS1v15())).decode()


