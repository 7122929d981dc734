"""Where the build runs: root on Linux, and the VM this machine is, from its metadata."""

from __future__ import annotations

import logging
import os
import re
import sys

import requests

from osc_build.context import BuildContext
from osc_build.errors import BuildError, ConfigError
from osc_build_chroot.state import ChrootBuildState
from osc_build_outscale.cloud.reads import read_by_id

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 2.0
READ_TIMEOUT = 5.0


def check_privileges(ctx: BuildContext, state: ChrootBuildState) -> None:
    """The chroot builder mounts and chroots: Linux and root, checked before any API call."""
    if not sys.platform.startswith("linux"):
        raise ConfigError("the outscale-chroot builder only works on Linux; run it on an "
                          "OUTSCALE Linux VM")
    wrapper = ctx.config.command_wrapper or "{{.Command}}"
    if os.geteuid() != 0:
        raise ConfigError(
            "the outscale-chroot builder must run as root (it links volumes, mounts and "
            f"chroots; command_wrapper {wrapper!r} cannot give osc-build itself the rights); "
            "run it with sudo")


def metadata(base_url: str, path: str) -> str:
    """One document of the metadata service, e.g. ``instance-id``."""
    url = f"{base_url.rstrip('/')}/{path}"
    with requests.Session() as session:
        session.trust_env = False  # never send link-local requests through a proxy
        try:
            answer = session.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as err:
            raise BuildError(f"cannot reach the metadata service at {url} "
                             f"({type(err).__name__}): the chroot builder must run on an "
                             "OUTSCALE VM (or set metadata_url)") from None
    if not answer.ok:
        raise BuildError(f"the metadata service at {url} answered HTTP {answer.status_code}; "
                         "the chroot builder must run on an OUTSCALE VM (or fix metadata_url)")
    return answer.text.strip()


def region_of_zone(zone: str) -> str:
    """``eu-west-2a`` -> ``eu-west-2``: OUTSCALE's metadata has no ``placement/region``."""
    region = re.sub(r"[a-z]+$", "", zone)
    if not zone or region == zone or not region[-1:].isdigit():
        raise BuildError(f"the metadata service gives availability zone {zone!r}, which is "
                         "not a Region name followed by a letter (e.g. eu-west-2a); check "
                         "metadata_url")
    return region


def read_metadata(ctx: BuildContext, state: ChrootBuildState) -> None:
    """This VM's id and subregion; its region too, when nothing else names one."""
    base = ctx.config.metadata_url
    if not base:
        raise ConfigError("metadata_url is empty, but the chroot builder needs the metadata "
                          "service to know which VM it runs on; remove metadata_url = \"\" "
                          "(with --local: run the simulator with `osc-build-sim serve "
                          "--backend machine --host-vm`)")
    state.host_vm = {"VmId": metadata(base, "instance-id")}
    state.subregion_name = metadata(base, "placement/availability-zone")
    state.host_region = region_of_zone(state.subregion_name)
    config = ctx.config
    region_known = any((config.region, config.profile, config.custom_endpoint_oapi)) or any(
        os.environ.get(name) for name in ("OSC_REGION", "OUTSCALE_REGION"))
    if not region_known:
        log.info("region %s, from the metadata service", state.host_region)
        state.found_region = state.host_region


def find_host_vm(ctx: BuildContext, state: ChrootBuildState) -> None:
    """Read this VM from the API: the volume is created in its subregion and linked to it."""
    vm_id, zone = state.host_vm["VmId"], state.subregion_name
    if state.host_region and state.host_region != state.region:
        raise ConfigError(
            f"this machine is VM {vm_id} in region {state.host_region} (metadata service) but "
            f"the build uses region {state.region}; a volume can only be linked to a VM of its "
            f"own region: set region = \"{state.host_region}\" (and omi_regions to copy the OMI "
            "elsewhere)")
    vm = read_by_id(state.api, "vm", vm_id)
    if vm is None:
        raise BuildError(f"this machine is VM {vm_id} (metadata service) but the API of "
                         f"{state.region} has no such VM of this account; use the credentials "
                         "and region of the account that owns this VM")
    actual_zone = (vm.get("Placement") or {}).get("SubregionName", "")
    if zone and actual_zone and zone != actual_zone:
        log.warning("metadata says subregion %s, the API says %s; using the API's",
                    zone, actual_zone)
    state.host_vm = vm
    state.subregion_name = actual_zone or zone
    ctx.ui.message(f"this machine is VM {vm_id} in {state.subregion_name}")
