"""One API client per Region to search: OUTSCALE accounts and keys are per Region.

With ``--local``, each of the simulator's Regions has its own account (its
``region_accounts``); otherwise the credentials found as for builds, tried in
each Region the cloud lists (a Region they do not open is skipped, and said).
"""

from __future__ import annotations

from dataclasses import replace

from osc_build.errors import UsageError
from osc_build_outscale.client import Credentials, OscClient, resolve_credentials
from osc_build_outscale.client.endpoint import default_endpoint


def local_clients(regions: list[str]) -> list[OscClient]:
    from osc_build_outscale import local

    state = local._running(local.data_dir())
    if state is None:
        raise UsageError(f"no local simulator runs for {local.data_dir()}, so it has nothing "
                         f"to list; start one (osc-build-sim serve) or set "
                         f"{local.DATA_DIR_VARIABLE} to its data directory")
    served = sorted(state.get("regions", {}))
    _check_regions(regions, served, "the local simulator")
    clients = []
    for region in regions or served:
        creds = state.get("region_accounts", {}).get(region, state)
        clients.append(OscClient(Credentials(
            access_key=creds["access_key"], secret_key=creds["secret_key"], region=region,
            endpoint=local.endpoint_for(state, region))))
    return clients


def oos_endpoints(local_simulator: bool, regions: list[str]) -> dict[str, str]:
    """Each Region's OOS endpoint: the simulator's own, or OUTSCALE's public ones."""
    if local_simulator:
        from osc_build_outscale import local

        state = local._running(local.data_dir()) or {}
        return dict(state.get("oos_endpoints") or {})
    from osc_build_outscale.cloud.oos import default_oos_endpoint

    return {region: default_oos_endpoint(region) for region in regions}


def cloud_clients(regions: list[str]) -> list[OscClient]:
    creds = resolve_credentials({})
    first = OscClient(creds)
    if not regions:
        regions = [r["RegionName"] for r in first.call("ReadRegions").get("Regions") or []] \
            or [creds.region]
    return [first if region == creds.region else OscClient(_in_region(creds, region))
            for region in regions]


def _in_region(creds: Credentials, region: str) -> Credentials:
    if creds.endpoint == default_endpoint(creds.region):
        return replace(creds, region=region, endpoint=default_endpoint(region))
    return replace(creds, region=region,
                   endpoint=creds.endpoint.replace(creds.region, region))


def _check_regions(wanted: list[str], served: list[str], who: str) -> None:
    unknown = [r for r in wanted if r not in served]
    if unknown:
        raise UsageError(f"--region {', '.join(unknown)}: {who} has no such Region; it "
                         f"serves {', '.join(served)}")
