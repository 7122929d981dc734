"""The shared OUTSCALE API client used by every builder and data source.

Resolve credentials once with :func:`resolve_credentials`, then talk to the API
through an :class:`OscClient`; wait for resource states with :func:`wait_for`.
"""

from __future__ import annotations

from osc_build.client.api import OscClient
from osc_build.client.credentials import Credentials, resolve_credentials
from osc_build.client.options import AccessOptionsSchema
from osc_build.client.waiters import decreasing_schedule, wait_for

__all__ = [
    "AccessOptionsSchema",
    "Credentials",
    "OscClient",
    "decreasing_schedule",
    "resolve_credentials",
    "wait_for",
]
