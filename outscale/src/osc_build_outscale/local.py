"""``--local``: run builds against the local OUTSCALE simulator (osc-build-sim).

Reuses the simulator that runs for the data directory, or starts one that
keeps running after the build (so its images can be booted and inspected);
then points every build at it with its credentials and per-region endpoints.
:class:`SimulatorCloud` is what osc-build's ``--local`` asks for (the
``osc_build_local_cloud`` hook, in :mod:`osc_build_outscale.plugin`).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from osc_build.errors import ConfigError, UsageError
from osc_build.runner import BuildPlan

log = logging.getLogger(__name__)

DATA_DIR_VARIABLE = "OSC_BUILD_SIM_DATA"
DEFAULT_DATA_DIR = "~/.local/share/osc-build-sim"
START_TIMEOUT = 120.0


def data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_VARIABLE) or DEFAULT_DATA_DIR).expanduser()


def simulator_state(directory: Path | None = None, *,
                    plans: list[BuildPlan] | None = None) -> dict[str, Any]:
    """The running simulator's connection info, starting one if none answers.

    A simulator started here has a host VM (this machine, for the chroot builder)
    in the region of the first of ``plans`` that names one.
    """
    directory = directory or data_dir()
    state = _running(directory)
    if state is not None:
        log.debug("reusing the simulator of %s (pid %s)", directory, state.get("pid"))
        return state
    try:
        from osc_build_sim import host_requirements
    except ImportError:
        raise UsageError("--local needs the simulator: pip install osc-build-sim") from None
    # Here, not in the simulator started below: the line saying what gets installed shows on
    # this console (not only in the simulator's log), and apt-get's minutes on a fresh
    # machine do not count against the simulator's start timeout.
    try:
        host_requirements.ensure(why="the local simulator")
    except host_requirements.HostSetupError as error:
        raise UsageError(str(error)) from None
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "simulator.log"
    print(f"==> Starting the local OUTSCALE simulator (data in {directory}, log in {log_path})",
          flush=True)
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "osc_build_sim", "--data-dir", str(directory), "serve",
             "--backend", "machine", "--host-vm", *_host_vm_region(plans), "--json"],
            stdout=log_file, stderr=log_file, stdin=subprocess.DEVNULL,
            start_new_session=True)  # outlives this build; `osc-build-sim stop` ends it
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["?"]
            raise UsageError(f"the local simulator failed to start: {tail[0]}; see {log_path}")
        state = _running(directory)
        if state is not None and state.get("pid") == process.pid:
            return state
        time.sleep(0.2)
    process.kill()
    raise UsageError(f"the local simulator did not start within {START_TIMEOUT:.0f}s; "
                     f"see {log_path}")


def _host_vm_region(plans: list[BuildPlan] | None) -> list[str]:
    regions = [p.options["region"] for p in plans or () if p.options.get("region")]
    return ["--host-vm-region", regions[0]] if regions else []


def _running(directory: Path) -> dict[str, Any] | None:
    path = directory / "state.json"
    try:
        state = json.loads(path.read_text())
        with urllib.request.urlopen(f"{state['admin']}/info", timeout=5) as answer:
            answer.read()
        return state
    except (OSError, ValueError, KeyError):
        return None


def endpoint_for(state: dict[str, Any], region: str) -> str:
    """The simulator's endpoint for ``region``, always with the region in its path."""
    if region not in state.get("regions", {}):
        raise UsageError(f"the local simulator has no region {region!r}; it serves "
                         f"{', '.join(sorted(state.get('regions', {})))}")
    root = state["endpoint"].rsplit("/api/v1", 1)[0]
    return f"{root}/{region}/api/v1"


def check_regions(plans: list[BuildPlan], state: dict[str, Any]) -> None:
    """Region, subregion_name and omi_regions of every build against the simulator's own.

    Its regions are configurable, so the options were loaded without the public-region
    check; a wrong one must still fail here, before any request, not as an API error.
    """
    from osc_build_outscale.cloud.validate import served_region_problems

    subregions = state.get("subregions")  # absent from simulators older than this check
    served = subregions or dict.fromkeys(state.get("regions", {}), ())
    checked = ("region", "omi_regions", *(("subregion_name",) if subregions else ()))
    config = Path(state.get("data_dir") or data_dir()) / "config.json"
    fix = (f", or add it to the regions of the simulator's configuration ({config}) and "
           "restart it (osc-build-sim stop)")
    problems = []
    for plan in plans:
        options = {k: v for k, v in plan.options.items() if k in checked}
        for option, message in served_region_problems(
                options, served, default_region=state["region"], who="the local simulator",
                fix=fix).items():
            problems.append(f"{plan.where or plan.name}: {option}: {message}")
    if problems:
        raise ConfigError("\n".join(problems))


def simulator_options(options: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """``options`` with the simulator's credentials and endpoint instead of the user's."""
    options = {k: v for k, v in options.items()
               if k not in ("profile", "x509_cert_path", "x509_key_path")}
    region = options.get("region") or state["region"]
    access_key, secret_key = region_keys(state, region)
    options.update(region=region, access_key=access_key, secret_key=secret_key,
                   custom_endpoint_oapi=endpoint_for(state, region))
    if options.get("omi_regions"):  # only OMI builders have these options
        # Every Region's own keys and endpoint, and each Region's OOS.
        options.pop("omi_region_profiles", None)
        options["omi_region_credentials"] = {
            name: dict(zip(("access_key", "secret_key"), region_keys(state, name), strict=True),
                       custom_endpoint_oapi=endpoint_for(state, name))
            for name in state.get("regions", {})}
        if state.get("oos_endpoints"):
            options["oos_endpoints"] = dict(state["oos_endpoints"])
    return options


def region_keys(state: dict[str, Any], region: str) -> tuple[str, str]:
    """(access key, secret key) of ``region``'s own account (simulators before Regions had
    accounts of their own: the shared keys)."""
    entry = state.get("region_accounts", {}).get(region) or state
    return entry["access_key"], entry["secret_key"]


def point_at_simulator(plans: list[BuildPlan], state: dict[str, Any]) -> list[BuildPlan]:
    """The same builds, with the simulator's credentials and endpoint."""
    check_regions(plans, state)
    out = []
    for plan in plans:
        options = simulator_options(plan.options, state)
        # The simulator's host VM (chroot builder); never 169.254.169.254.
        options.setdefault("metadata_url", state.get("metadata_url") or "")
        out.append(replace(plan, options=options))
    return out


class SimulatorCloud:
    """The local OUTSCALE simulator as osc-build's ``--local`` target."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory

    def point(self, plans: list[BuildPlan]) -> list[BuildPlan]:
        return point_at_simulator(plans, simulator_state(self.directory, plans=plans))

    def datasource_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """A ``data`` block under --local: asked of the simulator, never of the cloud."""
        return simulator_options(dict(options), simulator_state(self.directory))
