"""Step: resolve credentials, build the API client and check that the API accepts them."""

from __future__ import annotations

import logging

from osc_build.config import options_dict
from osc_build.context import BuildContext
from osc_build_outscale.client import OscClient, resolve_credentials
from osc_build_outscale.cloud.state import VmBuildState

log = logging.getLogger(__name__)


def check_credentials(ctx: BuildContext, state: VmBuildState) -> None:
    """Resolve the credentials; a region the build learnt (``state.found_region``) is used
    when the options name none."""
    options = options_dict(ctx.config)
    if state.found_region and not ctx.config.region:
        options["region"] = state.found_region
    credentials = resolve_credentials(options)
    ctx.ui.say(f"Checking credentials ({credentials.source}, region {credentials.region})...")
    state.credentials = credentials
    state.client = OscClient(credentials)
    state.client.check_access()
    accounts = state.client.call("ReadAccounts").get("Accounts") or []
    state.account_id = accounts[0]["AccountId"] if accounts else ""
