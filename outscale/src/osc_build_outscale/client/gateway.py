"""Build osc-sdk-python Gateways cheaply, with our transport settings.

The SDK parses its 1 MB OAPI spec in every ``Gateway()`` (about 0.4 s with
ruamel.yaml.clib, 2 s without), reads ``~/.osc/config.json`` and the
environment behind our back, retries and rate-limits on its own, and sends
requests without a timeout. :func:`build_gateway` gives a Gateway that shares one
lazily parsed spec across the process (cached in ``~/.cache/osc-build``), uses
exactly the resolved credentials, leaves retries to :mod:`osc_build_outscale.client.api`,
and sends through a session that applies our timeout, TLS verification and
client certificate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3
from osc_sdk_python import outscale_gateway
from osc_sdk_python.call import Call
from osc_sdk_python.credentials import Endpoint, Profile
from osc_sdk_python.version import get_version

from osc_build_outscale.client.credentials import Credentials

log = logging.getLogger(__name__)

SPEC_PATH = os.path.join(os.path.dirname(outscale_gateway.__file__), "resources", "outscale.yaml")


@dataclass(frozen=True)
class _Spec:
    """What the SDK derives from its spec: request parameter names and types."""

    structure: dict[str, dict[str, dict[str, Any]]]
    api_version: str
    endpoint_api_version: str


_spec: _Spec | None = None
_spec_lock = threading.Lock()


def shared_spec() -> _Spec:
    """Parse the SDK's spec once per process, with the SDK's own converter.

    The result is cached on disk (0.4 s to parse, 1 ms to load), keyed by the
    SDK's version and the spec file's size and time, so every build after the
    first one starts its API calls at once.
    """
    global _spec
    with _spec_lock:
        if _spec is None:
            _spec = load_spec(spec_cache_dir())
        return _spec


def spec_cache_dir() -> Path:
    """osc-build's cache folder: ``$PACKER_CACHE_DIR``, else ``$XDG_CACHE_HOME/osc-build``."""
    if os.environ.get("PACKER_CACHE_DIR"):
        return Path(os.environ["PACKER_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "osc-build"


def load_spec(cache_dir: Path | None) -> _Spec:
    """The parsed spec: from ``cache_dir`` when there, else parsed and stored there."""
    cache = _cache_file(cache_dir) if cache_dir is not None else None
    if cache is not None:
        try:
            structure, api_version, endpoint_api_version = json.loads(cache.read_text())
            return _Spec(structure, api_version, endpoint_api_version)
        except (OSError, ValueError, TypeError):
            pass  # absent or unreadable: parse again
    started = time.perf_counter()
    parser = outscale_gateway.BaseAPI.__new__(outscale_gateway.BaseAPI)
    structure = parser._convert(SPEC_PATH)
    spec = _Spec(structure, parser.api_version, parser.endpoint_api_version)
    log.debug("parsed the OAPI spec %s in %.2fs", spec.api_version,
              time.perf_counter() - started)
    if cache is not None:
        try:
            _store(cache, json.dumps([structure, spec.api_version, spec.endpoint_api_version]))
        except OSError as err:  # a read-only home only costs the parse next time
            log.debug("cannot cache the parsed OAPI spec in %s: %s", cache.parent, err)
    return spec


def _store(path: Path, text: str) -> None:
    """Replace ``path`` in one step (readers never see half a file); private to this user."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=path.name,
                                     delete=False) as partial:
        partial.write(text)
    os.replace(partial.name, path)


def _cache_file(cache_dir: Path) -> Path | None:
    try:
        stat = os.stat(SPEC_PATH)
    except OSError:
        return None
    key = hashlib.sha256(f"{get_version()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_dir / f"oapi-spec-{key.hexdigest()[:16]}.json"


class TunedSession(requests.Session):
    """A session that imposes our timeout, TLS verification and client certificate.

    The SDK hard-codes ``verify=True``, passes no timeout and only a combined
    cert file; whatever it passes is overridden here.
    """

    def __init__(self, *, timeout: tuple[float, float], verify: bool,
                 cert: str | tuple[str, str] | None) -> None:
        super().__init__()
        self.osc_timeout, self.osc_verify, self.osc_cert = timeout, verify, cert

    def request(self, method: str | bytes, url: str | bytes,  # type: ignore[override]
                *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["timeout"] = self.osc_timeout
        kwargs["verify"] = self.osc_verify
        kwargs["cert"] = self.osc_cert
        return super().request(method, url, *args, **kwargs)


class _ExplicitProfileCall(Call):
    """The SDK's Call, with a profile we build instead of one read from env and files."""

    def __init__(self, profile: Profile, **kwargs: Any) -> None:
        self._explicit_profile = profile
        super().__init__(**kwargs)

    def update_profile(self, **kwargs: Any) -> dict[str, Any]:
        self.profile = self._explicit_profile
        return kwargs


class Gateway(outscale_gateway.OutscaleGateway):
    """An SDK Gateway sharing the parsed spec; built by :func:`build_gateway`."""

    def __init__(self, call: Call) -> None:  # the SDK's __init__ would re-parse the spec
        self.log = outscale_gateway.Logger()
        self.limiter = None
        self.call = call

    @property
    def gateway_structure(self) -> dict[str, dict[str, dict[str, Any]]]:
        return shared_spec().structure

    @property
    def api_version(self) -> str:
        return shared_spec().api_version

    @property
    def endpoint_api_version(self) -> str:
        return shared_spec().endpoint_api_version


def user_agent() -> str:
    return f"osc-build osc-sdk-python/{get_version()}"


def build_gateway(credentials: Credentials, *, timeout: tuple[float, float]) -> Gateway:
    """A Gateway for ``credentials``; cheap (no spec parse, no file read)."""
    profile = Profile(access_key=credentials.access_key, secret_key=credentials.secret_key,
                      region=credentials.region, protocol="https",
                      endpoints=Endpoint(api=credentials.endpoint),
                      x509_client_cert=credentials.x509_cert)
    call = _ExplicitProfileCall(profile, user_agent=user_agent(), max_retries=0)
    call.limiter = None  # we retry and back off ourselves; the 5 req/s limiter only slows us
    call.session.close()
    cert: str | tuple[str, str] | None = credentials.x509_cert
    if credentials.x509_cert and credentials.x509_key:
        cert = (credentials.x509_cert, credentials.x509_key)
    call.session = TunedSession(timeout=timeout, verify=credentials.verify_tls, cert=cert)
    if not credentials.verify_tls:
        # Asked for: say it once here rather than urllib3 warning on every request.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        log.warning("TLS certificate of %s is not verified (insecure_skip_tls_verify)",
                    credentials.endpoint)
    return Gateway(call)
