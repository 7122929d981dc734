"""omi_regions: each destination Region's own account, keys and API client.

OUTSCALE accounts are per Region, so the build's keys do not work elsewhere.
Each Region's keys come, first match wins, from ``omi_region_credentials``,
the profile ``omi_region_profiles`` names, or the profile named after the
Region, in ``~/.osc/config.json`` (or ``OSC_CONFIG_FILE``). They are checked
with one cheap read per Region before anything is created.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build_outscale.client import Credentials, OscClient, resolve_credentials
from osc_build_outscale.client.endpoint import default_endpoint
from osc_build_outscale.cloud import oos
from osc_build_outscale.cloud.state import VmBuildState
from osc_build_outscale.errors import CredentialsError, OutscaleError
from osc_build_outscale.secrets import register_secret

log = logging.getLogger(__name__)


@dataclass
class RegionAccess:
    """What a build needs to act in one destination Region."""

    region: str
    client: OscClient
    account_id: str
    source: str  # where its credentials came from, for error messages


def copy_regions(ctx: BuildContext, state: VmBuildState) -> list[str]:
    """The omi_regions other than the build Region, in order, without duplicates."""
    return [r for r in dict.fromkeys(ctx.config.omi_regions or []) if r != state.region]


def copy_wanted(ctx: BuildContext) -> bool:
    return bool(ctx.config.omi_regions)


def region_credentials(config: Any, region: str, build: Credentials | None, *,
                       env: dict[str, str] | None = None) -> Credentials:
    """``region``'s credentials from the options or the config file; never the build's."""
    explicit = (config.omi_region_credentials or {}).get(region)
    if explicit:
        register_secret(explicit.secret_key)
        return Credentials(
            access_key=explicit.access_key, secret_key=explicit.secret_key, region=region,
            endpoint=explicit.custom_endpoint_oapi or _endpoint_like(build, region),
            verify_tls=build.verify_tls if build else True,
            source=f"option omi_region_credentials[{region!r}]")
    named = (config.omi_region_profiles or {}).get(region)
    profile = named or region
    env = dict(os.environ) if env is None else env
    only_file = {k: v for k, v in env.items() if k == "OSC_CONFIG_FILE"}
    try:
        credentials = resolve_credentials({"profile": profile, "region": region,
                                           "metadata_url": ""}, env=only_file)
    except CredentialsError as exc:
        how = (f"omi_region_profiles names profile {profile!r}" if named
               else f"no omi_region_profiles entry, so the profile named {profile!r}")
        raise CredentialsError(
            f"omi_regions: no credentials for Region {region!r} ({how}): {exc}. Add that "
            f"profile, name another with omi_region_profiles = {{ \"{region}\" = \"...\" }}, "
            "or give keys with omi_region_credentials") from None
    return credentials


def _endpoint_like(build: Credentials | None, region: str) -> str:
    """The API endpoint of ``region`` shaped like the build's (public, or custom naming its
    Region)."""
    if build is None or build.endpoint == default_endpoint(build.region):
        return default_endpoint(region)
    if build.region in build.endpoint:
        return build.endpoint.replace(build.region, region)
    return default_endpoint(region)


def check_copy_regions(ctx: BuildContext, state: VmBuildState) -> None:
    """Before anything is made: every destination Region's keys and the OOS bucket, one
    cheap read each; one error naming every Region that failed and why."""
    regions = copy_regions(ctx, state)
    if not regions:
        return
    ctx.ui.say(f"Checking the credentials of {', '.join(regions)} and OOS...")
    problems = []
    for region in regions:
        source = "?"
        try:
            credentials = region_credentials(ctx.config, region, state.credentials)
            source = credentials.source
            client = OscClient(credentials)
            accounts = client.call("ReadAccounts").get("Accounts") or []
            account_id = accounts[0]["AccountId"] if accounts else ""
        except OutscaleError as exc:
            problems.append(f"{region} (credentials from {source}): {_one_line(exc)}")
            continue
        state.regions[region] = RegionAccess(region, client, account_id, source)
        ctx.ui.message(f"{region}: account {account_id} (credentials from {source})")
    problem = _bucket_problem(ctx, state)
    if problem:
        problems.append(problem)
    if problems:
        raise BuildError("omi_regions cannot copy the OMI:\n  " + "\n  ".join(problems))


def _bucket_problem(ctx: BuildContext, state: VmBuildState) -> str | None:
    """HeadBucket on the given bucket, or ListBuckets when a temporary one will be made."""
    endpoint = oos.oos_endpoint(ctx.config, state.region)
    bucket = ctx.config.omi_export_bucket
    client = oos.s3_client(endpoint, state.api.credentials)
    try:
        if bucket:
            client.head_bucket(Bucket=bucket)
        else:
            client.list_buckets()
    except Exception as exc:  # botocore's errors: refused keys, no bucket, unreachable
        what = f"bucket {bucket!r}" if bucket else "OOS"
        fix = ("create it or fix omi_export_bucket" if bucket
               else "check oos_endpoints and the build's keys")
        return (f"{state.region}: {what} at {endpoint} is not usable with the build's keys "
                f"({oos.error_text(exc)}); {fix}")
    return None


def client_in(state: VmBuildState, region: str) -> OscClient:
    """The API client of ``region``: the build's, or the one checked at prepare time."""
    if region == state.region:
        return state.api
    return state.regions[region].client


def account_in(state: VmBuildState, region: str) -> str:
    if region == state.region:
        return state.account_id
    return state.regions[region].account_id


def _one_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
