"""Steps of the build VM: launch, connect and provision, stop."""

from __future__ import annotations

import base64
import binascii
import logging
import re
from pathlib import Path
from typing import Any

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.client import OscClient
from osc_build_outscale.cloud import intents
from osc_build_outscale.cloud import tags as tagging
from osc_build_outscale.cloud.images import bsu_of
from osc_build_outscale.cloud.public_ip import link_public_ip
from osc_build_outscale.cloud.reads import read_by_id, state_of
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_outscale.cloud.volume_lifecycle import delete_released_volume
from osc_build_outscale.cloud.waits import wait, wait_cleanup

log = logging.getLogger(__name__)

_BASE64 = re.compile(r"^[A-Za-z0-9+/\r\n]+={0,2}\s*$")


def user_data(config: Any) -> str | None:
    """user_data or user_data_file, base64-encoded for the API (already-encoded kept)."""
    raw: bytes | None = None
    if config.user_data_file:
        raw = Path(config.user_data_file).read_bytes()
    elif config.user_data:
        text = config.user_data
        if len(text) >= 8 and _BASE64.match(text):
            try:
                base64.b64decode(text, validate=False)
                return text.strip()
            except (binascii.Error, ValueError):
                pass
        raw = text.encode()
    return base64.b64encode(raw).decode() if raw else None


def launch_mappings(config: Any) -> list[dict[str, Any]] | None:
    mappings = []
    for device in config.launch_block_device_mappings or []:
        if device.no_device:
            mappings.append({"DeviceName": device.device_name, "NoDevice": ""})
        else:
            mappings.append({"DeviceName": device.device_name, "Bsu": bsu_of(device)})
    return mappings or None


def run_vm(ctx: BuildContext, state: VmBuildState) -> None:
    config = ctx.config
    client = state.api
    ctx.ui.say(f"Launching a {config.vm_type} VM from {state.source_image['ImageId']}...")
    placement = {"SubregionName": state.subregion_name} if state.subregion_name else None
    vm = client.call(
        "CreateVms", ImageId=state.source_image["ImageId"], VmType=config.vm_type,
        MinVmsCount=1, MaxVmsCount=1, KeypairName=state.keypair_name,
        ClientToken=intents.client_token(ctx, client, "VM"),
        SecurityGroupIds=state.security_group_ids or None, SubnetId=state.subnet_id,
        Placement=placement, UserData=user_data(config),
        BlockDeviceMappings=launch_mappings(config), BootMode=config.boot_mode,
        BsuOptimized=config.bsu_optimized or None,
        # VmInitiatedShutdownBehavior is deprecated (spec 1.42) for this configuration.
        ShutdownBehaviorConfiguration={"GuestAction": config.shutdown_behavior or "stop"},
    )["Vms"][0]
    vm_id = vm["VmId"]
    # The volumes it was created with: a VM that fails to boot may list none any more.
    created_with = tuple(_volume_ids([vm]))
    ctx.resources.track("VM", vm_id, lambda: terminate(client, vm_id, also=created_with),
                        region=client.region)
    tagging.mark_temporary(ctx, client, [vm_id, *created_with])
    ctx.ui.message(f"VM {vm_id} created; waiting for it to run")
    wait(ctx, lambda: state_of(client, "vm", vm_id), wanted={"running"},
         failed={"terminated", "shutting-down", "stopped"}, kind="vm", describe=f"VM {vm_id}")
    info = state.build_info()
    run_tags = {"Name": "osc-build", **tagging.render(config.run_tags or {}, info),
                tagging.RUN_ID_TAG: ctx.run_id}
    tagging.apply(client, [vm_id], run_tags)
    state.vm = vm
    link_public_ip(ctx, state)
    state.vm = read_by_id(client, "vm", vm_id) or state.vm
    volume_tags = tagging.render(config.run_volume_tags or {}, info)
    volume_ids = [m["Bsu"]["VolumeId"] for m in state.vm.get("BlockDeviceMappings") or []
                  if (m.get("Bsu") or {}).get("VolumeId")]
    tagging.apply(client, volume_ids, volume_tags)
    state.ssh_host = ssh_host(state.vm, config.ssh_interface, config.ssh_host)


def ssh_host(vm: dict, interface: str | None, override: str | None) -> str:
    """The address to reach the VM at, per ssh_interface (default: public IP in a Net...)."""
    if override:
        return override
    keys = {"public_ip": "PublicIp", "private_ip": "PrivateIp",
            "public_dns": "PublicDnsName", "private_dns": "PrivateDnsName"}
    if interface:
        value = vm.get(keys[interface])
        if not value:
            raise BuildError(f"ssh_interface = {interface!r} but VM {vm['VmId']} has no "
                             f"{keys[interface]}; use another ssh_interface or set "
                             "associate_public_ip_address = true")
        return value
    for key in ("PublicIp", "PrivateIp", "PublicDnsName", "PrivateDnsName"):
        if vm.get(key):
            return vm[key]
    raise BuildError(f"VM {vm['VmId']} has no address to connect to; set ssh_interface")


def connect_and_provision(ctx: BuildContext, state: VmBuildState) -> None:
    from osc_build.communicators import NoneCommunicator, connect_communicator
    from osc_build.provision import run_provisioners

    config = ctx.config
    if config.communicator == "none":
        # Local provisioners (shell-local, breakpoint) still run; others say why they can't.
        run_provisioners(ctx, NoneCommunicator(), ctx.provisioners)
        return
    if config.communicator == "ssh":
        ctx.ui.message(f"SSH address: {state.ssh_host}")
    ctx.build_data.update(generated_data(config, state))
    communicator = connect_communicator(ctx, state.ssh_host, config,
                                        private_key_pem=state.private_key,
                                        password=state.winrm_password)
    try:
        run_provisioners(ctx, communicator, ctx.provisioners)
        if config.communicator == "ssh" and config.ssh_clear_authorized_keys:
            communicator.clear_authorized_keys()
    finally:
        communicator.close()


def generated_data(config: Any, state: VmBuildState) -> dict[str, str]:
    """Packer's build.* values for provisioners (build.Host, build.Password, ...)."""
    if config.communicator == "winrm":
        port = config.winrm_port or (5986 if config.winrm_use_ssl else 5985)
        user, password = config.winrm_username, config.winrm_password or state.winrm_password
        host = config.winrm_host or state.ssh_host
    else:
        port, user, password = config.ssh_port or 22, config.ssh_username, config.ssh_password
        host = config.ssh_host or state.ssh_host
    data = {"ID": state.vm["VmId"] if state.vm else "", "Host": host or "", "Port": str(port),
            "User": user or "", "Password": password or "", "ConnType": config.communicator,
            "SSHPrivateKey": (state.private_key or "") if config.communicator == "ssh" else ""}
    if config.communicator == "winrm":
        data["WinRMPassword"] = password or ""
    return data


def stop_vm(ctx: BuildContext, state: VmBuildState) -> None:
    client, vm_id = state.api, state.vm["VmId"]
    if ctx.config.disable_stop_vm:
        ctx.ui.say(f"Waiting for {vm_id} to be stopped by the provisioners...")
    else:
        ctx.ui.say(f"Stopping VM {vm_id}...")
        client.call("StopVms", VmIds=[vm_id])
    wait(ctx, lambda: state_of(client, "vm", vm_id), wanted={"stopped"},
         failed={"terminated", "shutting-down"}, kind="vm", describe=f"VM {vm_id}")


def terminate(client: OscClient, vm_id: str, *, keep_volumes: tuple[str, ...] = (),
              also: tuple[str, ...] = ()) -> None:
    """Delete a VM and every volume it had (unless kept), and wait until they are gone.

    Volumes whose delete_on_vm_deletion is false survive their VM: they are
    temporary too, so they are deleted once the VM has released them.
    """
    vm = read_by_id(client, "vm", vm_id) or {}
    volume_ids = [v for v in dict.fromkeys([*_volume_ids([vm]), *also]) if v not in keep_volumes]
    client.call("DeleteVms", VmIds=[vm_id])
    wait_cleanup(lambda: state_of(client, "vm", vm_id), wanted={"terminated"},
                 kind="vm", describe=f"VM {vm_id}")
    for volume_id in volume_ids:
        delete_released_volume(client, volume_id)


def _volume_ids(vms: list[dict]) -> list[str]:
    return [m["Bsu"]["VolumeId"] for vm in vms for m in vm.get("BlockDeviceMappings") or []
            if (m.get("Bsu") or {}).get("VolumeId")]
