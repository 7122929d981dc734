"""``hcp_packer_registry`` blocks: osc-build publishes nothing to HCP Packer, so it says so.

A template that asks for HCP metadata would otherwise build and silently publish
nothing. ``HCP_PACKER_REGISTRY=off`` (Packer's own switch) builds it anyway, with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from .body import Block, error

log = logging.getLogger(__name__)

SWITCH = "HCP_PACKER_REGISTRY"
BLOCK = "hcp_packer_registry"


def check_hcp_block(block: Block, filename: str, env: Mapping[str, str]) -> None:
    """Refuse the block, unless the user switched HCP off, then only warn."""
    if env.get(SWITCH, "").strip().lower() in ("off", "0", "false"):
        where = error(filename, block.node, "").args[0].rstrip(": ")
        log.warning("%s: hcp_packer_registry ignored (%s=off): nothing is published to HCP "
                    "Packer", where, SWITCH)
        return
    raise error(filename, block.node, 'Unsupported block "hcp_packer_registry": osc-build '
                "does not publish build metadata to HCP Packer; remove the block, or set "
                f"{SWITCH}=off to build without publishing.")
