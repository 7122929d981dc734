"""Translate what the SDK and requests raise into :class:`CloudError`.

Message: ``<Operation> failed: <Type> (code N): <details> [request id R]; <hint>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from osc_build_outscale.errors import CloudError

if TYPE_CHECKING:
    import requests

CLOCK_HINT = ("requests are signed with the current time, so a system clock more than 5 "
              "minutes off is refused: check it (date -u; sync with NTP), then check the "
              "access key and secret key")
PERMISSION_HINT = "the access key is not allowed to do this; check its API access policy"
THROTTLING_HINT = "the API is throttling requests; retry later or build fewer images at once"
SERVER_HINT = "the API had an internal error; retry later"
# Codes and types of authentication failures (bad signature, unknown key, expired time).
AUTH_CODES = {"1", "4120"}
AUTH_TYPES = {"AuthFailure", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
              "RequestExpired"}


def _first_error(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        errors = body.get("Errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return errors[0]
        if "title" in body or "detail" in body:  # RFC 7807 problem document
            return {"Type": body.get("title", ""), "Details": body.get("detail", ""),
                    "Code": body.get("type", "")}
    return {}


def _request_id(body: Any, response: requests.Response) -> str:
    if isinstance(body, dict) and isinstance(body.get("ResponseContext"), dict):
        return str(body["ResponseContext"].get("RequestId", ""))
    return response.headers.get("x-request-id", "")


def hint_for(status: int | None, code: str, type_: str) -> str:
    """The advice matching an API error, or ''."""
    if code == "4" or status == 403:
        return PERMISSION_HINT
    if status == 401 or code in AUTH_CODES or type_ in AUTH_TYPES:
        return CLOCK_HINT
    if status == 429 or code in ("6", "24", "25"):
        return THROTTLING_HINT
    if status is not None and status >= 500:
        return SERVER_HINT
    return ""


def from_http_error(operation: str, response: requests.Response, *,
                    attempts: int = 1) -> CloudError:
    """The CloudError for an API answer with an error status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = _first_error(body)
    status = response.status_code
    code = str(error.get("Code", "") or "")
    type_ = str(error.get("Type", "") or "") or (response.reason or f"HTTP {status}")
    details = str(error.get("Details", "") or "")
    if body is None and response.text:
        details = response.text.strip()[:200]
    request_id = _request_id(body, response)
    message = f"{operation} failed: {type_}"
    if code:
        message += f" (code {code})"
    if details:
        message += f": {details}"
    if request_id:
        message += f" [request id {request_id}]"
    hint = hint_for(status, code, type_)
    if attempts > 1:
        hint = f"{hint} (gave up after {attempts} attempts)" if hint else \
            f"gave up after {attempts} attempts"
    if hint:
        message += f"; {hint}"
    return CloudError(message, operation=operation, status=status, code=code, type=type_,
                      details=details, request_id=request_id)


def from_transport_error(operation: str, exc: requests.RequestException, endpoint: str, *,
                         attempts: int = 1, timeout: float | None = None) -> CloudError:
    """The CloudError for a request that got no usable answer."""
    import requests

    tries = f" ({attempts} attempts)" if attempts > 1 else ""
    if isinstance(exc, requests.exceptions.SSLError):
        why, hint = ("TLS error", "check the endpoint's certificate; for a test endpoint only, "
                     "set insecure_skip_tls_verify")
    elif isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.ConnectionError):
        why, hint = ("cannot connect", "check custom_endpoint_oapi or OSC_ENDPOINT_API, the "
                     "proxy settings and the network")
    elif isinstance(exc, requests.exceptions.Timeout):
        why, hint = (f"no answer within {timeout:g}s" if timeout else "timed out",
                     "the API is slow or unreachable; retry later")
    else:
        why, hint = ("invalid answer", "the endpoint may not be an OUTSCALE API")
    message = (f"{operation} failed: {why} to {endpoint}{tries}: {exc.__class__.__name__}; "
               f"{hint}")
    return CloudError(message, operation=operation, type=exc.__class__.__name__,
                      details=str(exc)[:300])


def from_validation_error(operation: str, exc: Exception) -> CloudError:
    """The CloudError for a call the SDK refuses before sending (unknown parameter, type)."""
    return CloudError(f"{operation} failed: {exc.__class__.__name__}: {exc}; this is a bug in "
                      "the caller, please report it", operation=operation,
                      type=exc.__class__.__name__, details=str(exc))
