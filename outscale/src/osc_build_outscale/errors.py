"""The errors of the OUTSCALE client: usable without osc-build's core.

osc-build's CLI prints these as one line and exits 1, like its own errors: the
package's osc-build plugin declares :class:`OutscaleError` as a handled error.
"""

from __future__ import annotations


class OutscaleError(Exception):
    """A handled error: the user can fix it (credentials, options, the cloud's answer)."""

    exit_code = 1


class OutscaleConfigError(OutscaleError):
    """An option of the client is invalid (endpoint, Region, credentials file)."""


class CredentialsError(OutscaleConfigError):
    """No usable credentials, or a credentials source that is broken."""


class CloudError(OutscaleError):
    """An OUTSCALE API call failed; keeps the OAPI code, type, details and request id."""

    def __init__(self, message: str, *, operation: str = "", status: int | None = None,
                 code: str = "", type: str = "", details: str = "",
                 request_id: str = "") -> None:
        super().__init__(message)
        self.operation, self.status = operation, status
        self.code, self.type, self.details, self.request_id = code, type, details, request_id


class WaitTimeout(CloudError):
    """A resource did not reach the wanted state in time."""


class WaitFailed(CloudError):
    """A resource reached an error state while we waited for another state."""


class FilterError(OutscaleConfigError):
    """A filter that cannot be sent, or that no resource (or more than one) matches."""
