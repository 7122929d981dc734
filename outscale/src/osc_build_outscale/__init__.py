"""What every OUTSCALE builder and data source shares.

- :mod:`osc_build_outscale.client`: the API client and credential chain, usable
  alone (no osc-build core needed);
- :mod:`osc_build_outscale.filters`: the filter engine of data sources and ``*_filter`` options;
- :mod:`osc_build_outscale.cloud`: options, typed build state and steps (needs osc-build's core).
"""

from __future__ import annotations

from osc_build_outscale import secrets


def _redact_in_osc_build_logs() -> None:
    try:
        from osc_build.log import register_secret
    except ImportError:  # the client used alone
        return
    secrets.subscribe(register_secret)


_redact_in_osc_build_logs()
