"""OscClient: OAPI calls with timeouts, retries, pagination and redacted logs."""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from osc_build_outscale.client.credentials import Credentials
from osc_build_outscale.client.errors import (
    AUTH_CODES,
    from_http_error,
    from_transport_error,
    from_validation_error,
)
from osc_build_outscale.errors import CloudError, CredentialsError

# requests and osc-sdk-python (50 ms of imports) load on the first call, so that
# `osc-build validate` and the CLI's start do not pay for them.
if TYPE_CHECKING:
    import requests

    from osc_build_outscale.client.gateway import Gateway

log = logging.getLogger(__name__)


@functools.cache
def _sdk_refusals() -> tuple[type[Exception], ...]:
    """What the SDK raises for a call it refuses to send."""
    from osc_sdk_python import outscale_gateway

    return (outscale_gateway.ActionNotExists, outscale_gateway.ParameterNotValid,
            outscale_gateway.ParameterIsRequired, outscale_gateway.ParameterHasWrongType)


_SECRET_WORDS = ("secret", "password", "privatekey", "token")
_MAX_LOGGED_STRING = 200
MAX_RETRY_AFTER = 120.0

# One Gateway per (credentials, timeout) and thread: the SDK's objects are not thread-safe.
_local = threading.local()


def _gateway_for(credentials: Credentials, timeout: tuple[float, float]) -> Gateway:
    cache: dict[tuple[Credentials, tuple[float, float]], Gateway] | None = \
        getattr(_local, "gateways", None)
    if cache is None:
        cache = _local.gateways = {}
    key = (credentials, timeout)
    if key not in cache:
        from osc_build_outscale.client.gateway import build_gateway

        cache[key] = build_gateway(credentials, timeout=timeout)
    return cache[key]


def redact_params(value: Any) -> Any:
    """A copy of request parameters fit for logs: no secrets, long strings cut."""
    if isinstance(value, dict):
        return {key: "<redacted>" if any(word in key.lower() for word in _SECRET_WORDS)
                else redact_params(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_params(item) for item in value]
    if isinstance(value, str) and len(value) > _MAX_LOGGED_STRING:
        return f"{value[:40]}...({len(value)} chars)"
    return value


def _retry_after(response: requests.Response | None) -> float | None:
    header = response.headers.get("Retry-After") if response is not None else None
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return None
        return max(0.0, moment.timestamp() - time.time())


class OscClient:
    """Calls OAPI operations for one set of credentials; safe to share across threads.

    Throttling (429, 503), other 5xx and connection failures are retried with
    jittered exponential backoff, honouring ``Retry-After``; a timeout while
    reading an answer is retried only for ``Read*`` operations and calls with a
    ``ClientToken`` (idempotent), since a create may have happened. Other 4xx
    errors are raised at once as :class:`CloudError`.
    """

    def __init__(self, credentials: Credentials, *, timeout: float = 60.0,
                 connect_timeout: float = 10.0, max_attempts: int = 5,
                 backoff_base: float = 1.0, backoff_cap: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.credentials = credentials
        self.timeout = (connect_timeout, timeout)
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self._sleep, self._jitter = sleep, jitter

    @property
    def region(self) -> str:
        return self.credentials.region

    def gateway(self) -> Gateway:
        """This thread's SDK Gateway, for the rare call our API does not cover."""
        return _gateway_for(self.credentials, self.timeout)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation`` and return the answer; raise :class:`CloudError`."""
        import requests

        params = {key: value for key, value in params.items() if value is not None}
        if log.isEnabledFor(logging.DEBUG):
            log.debug("OAPI %s %s", operation, json.dumps(redact_params(params)))
        for attempt in range(1, self.max_attempts + 1):
            started = time.monotonic()
            try:
                answer = self._send(operation, params)
            except _sdk_refusals() as exc:
                raise from_validation_error(operation, exc) from exc
            except requests.RequestException as exc:
                delay = self._retry_delay(operation, params, exc, attempt)
                if delay is None:
                    raise self._translate(operation, exc, attempt) from exc
                log.warning("OAPI %s: %s; retrying in %.1fs (attempt %d of %d)", operation,
                            self._describe(exc), delay, attempt + 1, self.max_attempts)
                self._sleep(delay)
                continue
            log.debug("OAPI %s ok in %.2fs [request id %s]", operation,
                      time.monotonic() - started,
                      (answer.get("ResponseContext") or {}).get("RequestId", "?"))
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def check_access(self) -> None:
        """Fail early, before creating anything, if the API refuses these credentials."""
        try:
            self.call("ReadVms", DryRun=True)
        except CloudError as exc:
            if exc.status in (401, 403) or exc.code in AUTH_CODES:
                creds = self.credentials
                source = creds.source or "the caller"
                raise CredentialsError(
                    f"the OUTSCALE API refused the credentials from {source} (access key "
                    f"{creds.access_key}, region {creds.region}, endpoint {creds.endpoint}): "
                    f"{exc}") from exc
            raise

    def paginate(self, operation: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Yield every item of ``answer[key]``, following ``NextPageToken``."""
        seen: set[str] = set()
        while True:
            answer = self.call(operation, **params)
            yield from answer.get(key) or []
            token = answer.get("NextPageToken")
            if not token:
                return
            if token in seen:
                raise CloudError(f"{operation} failed: the API returned page token {token!r} "
                                 "twice; stopping to avoid an endless loop",
                                 operation=operation)
            seen.add(token)
            params = {**params, "NextPageToken": token}

    def _send(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        gateway = self.gateway()
        if "DryRun" in params:  # the SDK's validation rejects DryRun; raw skips it
            return gateway.raw(operation, **params)
        return getattr(gateway, operation)(**params)

    def _retry_delay(self, operation: str, params: dict[str, Any],
                     exc: requests.RequestException, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None not to retry."""
        if attempt >= self.max_attempts or not self._retryable(operation, params, exc):
            return None
        delay = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        delay *= 0.5 + self._jitter() / 2
        asked = _retry_after(exc.response)
        if asked is not None:
            delay = max(delay, min(asked, MAX_RETRY_AFTER))
        return delay

    @staticmethod
    def _retryable(operation: str, params: dict[str, Any],
                   exc: requests.RequestException) -> bool:
        import requests

        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            status = exc.response.status_code
            return status == 429 or (status >= 500 and status != 501)
        if isinstance(exc, requests.exceptions.SSLError):
            return False
        if isinstance(exc, requests.exceptions.ConnectionError):
            return True  # includes ConnectTimeout: nothing reached the API
        if isinstance(exc, requests.exceptions.Timeout):
            # A create may have happened: retried only when a ClientToken makes it idempotent.
            return (operation.startswith("Read") or bool(params.get("DryRun"))
                    or bool(params.get("ClientToken")))
        return False

    def _translate(self, operation: str, exc: requests.RequestException,
                   attempts: int) -> CloudError:
        import requests

        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            return from_http_error(operation, exc.response, attempts=attempts)
        return from_transport_error(operation, exc, self.credentials.endpoint,
                                    attempts=attempts, timeout=self.timeout[1])

    @staticmethod
    def _describe(exc: requests.RequestException) -> str:
        import requests

        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            return f"HTTP {exc.response.status_code}"
        return exc.__class__.__name__
