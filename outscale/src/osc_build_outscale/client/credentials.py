"""Resolve credentials, region and endpoint from the documented sources.

Order (first source that gives a value wins, field by field; the access key
pair always comes whole from one source): template options, the profile the
template names, environment (``OSC_*``, then the deprecated ``OUTSCALE_*``),
the shared config file (``OSC_PROFILE`` or ``default``), then the role of the
VM from the metadata service.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from osc_build_outscale.client.endpoint import (
    default_endpoint,
    normalise_endpoint,
    region_of_endpoint,
)
from osc_build_outscale.client.metadata import MetadataUnavailable, fetch_role_credentials
from osc_build_outscale.client.options import DEFAULT_METADATA_URL
from osc_build_outscale.errors import CredentialsError
from osc_build_outscale.secrets import register_secret

log = logging.getLogger(__name__)

DEFAULT_REGION = "eu-west-2"
_TRUE = ("1", "true", "yes", "on")
FIELDS = ("access_key", "secret_key", "region", "endpoint", "x509_cert", "x509_key",
          "skip_verify")
_TEMPLATE_KEYS = {"access_key": "access_key", "secret_key": "secret_key", "region": "region",
                  "endpoint": "custom_endpoint_oapi", "x509_cert": "x509_cert_path",
                  "x509_key": "x509_key_path", "skip_verify": "insecure_skip_tls_verify"}
_ENV = {"access_key": "OSC_ACCESS_KEY", "secret_key": "OSC_SECRET_KEY", "region": "OSC_REGION",
        "endpoint": "OSC_ENDPOINT_API", "x509_cert": "OSC_X509_CLIENT_CERT",
        "x509_key": "OSC_X509_CLIENT_KEY", "skip_verify": "OSC_TLS_SKIP_VERIFY"}
_DEPRECATED_ENV = {"access_key": "OUTSCALE_ACCESSKEYID", "secret_key": "OUTSCALE_SECRETKEYID",
                   "region": "OUTSCALE_REGION", "endpoint": "OUTSCALE_OAPI_URL",
                   "x509_cert": "OUTSCALE_X509CERT", "x509_key": "OUTSCALE_X509KEY"}
_FILE_KEYS = {"access_key": "access_key", "secret_key": "secret_key", "region": "region",
              "x509_cert": "x509_client_cert", "x509_key": "x509_client_key",
              "skip_verify": "tls_skip_verify"}


@dataclass(frozen=True)
class Credentials:
    """Everything needed to sign and send API requests; hashable, so usable as a key."""

    access_key: str
    secret_key: str = field(repr=False)
    region: str = DEFAULT_REGION
    endpoint: str = ""
    x509_cert: str | None = None
    x509_key: str | None = None
    verify_tls: bool = True
    session_token: str | None = field(default=None, repr=False)
    source: str = ""

    def __post_init__(self) -> None:
        if not self.endpoint:
            object.__setattr__(self, "endpoint", default_endpoint(self.region))


@dataclass
class _Layer:
    """The values one source gives, each with the option or variable it came from."""

    source: str
    origins: dict[str, str] = field(default_factory=dict)  # field -> how the user names it
    values: dict[str, tuple[Any, str]] = field(default_factory=dict)

    def put(self, name: str, value: Any, origin: str) -> None:
        if value is not None and value != "":
            self.values[name] = (value, origin)

    def key_pair(self) -> tuple[str, str] | None:
        """The access key pair, if this source gives one; half a pair is an error."""
        access, secret = self.values.get("access_key"), self.values.get("secret_key")
        if access and secret:
            return access[0], secret[0]
        if access or secret:
            given, missing = ("access_key", "secret_key") if access else ("secret_key",
                                                                           "access_key")
            raise CredentialsError(
                f"{self.values[given][1]} is set but {self.origins.get(missing, missing)} is "
                f"not ({self.source}); set both or neither")
        return None


def resolve_credentials(options: Mapping[str, Any] | None = None, *,
                        env: Mapping[str, str] = os.environ,
                        home: str | os.PathLike[str] | None = None) -> Credentials:
    """Resolve credentials; raise :class:`CredentialsError` saying what to fix."""
    options = options or {}
    template = _template_layer(options)
    profile_layer, tried_file = _file_layer(options, env, Path(home) if home else Path.home())
    layers = [template]
    if options.get("profile") and profile_layer:
        layers.append(profile_layer)
    layers += [_env_layer(env, _ENV, "environment (OSC_*)"),
               _env_layer(env, _DEPRECATED_ENV, "environment (deprecated OUTSCALE_*)")]
    if not options.get("profile") and profile_layer:
        layers.append(profile_layer)

    winner = next((layer for layer in layers if layer.key_pair()), None)
    token: str | None = None
    if winner is None:
        winner, token = _role_layer(options, tried_file)
        layers.append(winner)
    access_key, secret_key = winner.key_pair()  # type: ignore[misc]
    register_secret(secret_key)
    register_secret(token)
    register_secret(options.get("token"))

    merged = {name: _first(layers, name) for name in FIELDS}
    region = merged["region"]
    endpoint = merged["endpoint"]
    if region is None and endpoint is not None:
        inferred = region_of_endpoint(normalise_endpoint(endpoint[0], DEFAULT_REGION,
                                                          origin=endpoint[1]))
        region = (inferred, f"host of {endpoint[1]}") if inferred else None
    region_value, region_origin = region or (DEFAULT_REGION, "default")
    url = (normalise_endpoint(endpoint[0], region_value, origin=endpoint[1]) if endpoint
           else default_endpoint(region_value))
    cert, key = _x509_files(merged["x509_cert"], merged["x509_key"])
    skip = merged["skip_verify"]
    credentials = Credentials(
        access_key=access_key, secret_key=secret_key, region=region_value, endpoint=url,
        x509_cert=cert, x509_key=key, verify_tls=not (skip and _truthy(skip[0])),
        session_token=token, source=winner.source)
    log.debug("credentials: access key %s from %s; region %s from %s; endpoint %s%s",
              access_key, winner.source, region_value, region_origin, url,
              "; client certificate " + cert if cert else "")
    return credentials


def _first(layers: list[_Layer], name: str) -> tuple[Any, str] | None:
    return next((layer.values[name] for layer in layers if name in layer.values), None)


def _truthy(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


def _x509_files(cert: tuple[Any, str] | None,
                key: tuple[Any, str] | None) -> tuple[str | None, str | None]:
    """The client certificate and key paths, checked as the template options are.

    Named by the variable or profile that gave them; never quoting their contents.
    """
    from osc_build_outscale import validate_files as files

    if key and not cert:
        raise CredentialsError(f"{key[1]} is set without a client certificate; "
                               "set x509_cert_path (or OSC_X509_CLIENT_CERT) too")
    if cert is None:
        return None, None
    try:
        files.check_certificate_file(str(cert[0]), what=cert[1])
        if key is not None:
            files.check_pem_key_file(str(key[0]), what=key[1])
            files.check_key_matches_certificate(str(cert[0]), str(key[0]), what=key[1])
    except files.FileProblem as problem:
        raise CredentialsError(str(problem)) from None
    return (os.path.expanduser(str(cert[0])),
            os.path.expanduser(str(key[0])) if key is not None else None)


def _template_layer(options: Mapping[str, Any]) -> _Layer:
    layer = _Layer("template (access_key/secret_key)",
                   origins={name: f"option {key}" for name, key in _TEMPLATE_KEYS.items()})
    for name, key in _TEMPLATE_KEYS.items():
        layer.put(name, options.get(key), f"option {key}")
    return layer


def _env_layer(env: Mapping[str, str], names: dict[str, str], source: str) -> _Layer:
    layer = _Layer(source, origins=dict(names))
    deprecated = names is _DEPRECATED_ENV
    for name, variable in names.items():
        value = env.get(variable)
        if value and deprecated:
            log.warning("environment variable %s is deprecated; use %s instead", variable,
                        _ENV[name])
        layer.put(name, value, variable)
    return layer


def _file_layer(options: Mapping[str, Any], env: Mapping[str, str],
                home: Path) -> tuple[_Layer | None, str]:
    """Read the profile; return it (or None) and a note saying what was tried."""
    named = options.get("profile") or env.get("OSC_PROFILE")
    profile = named or "default"
    path = Path(env.get("OSC_CONFIG_FILE") or home / ".osc" / "config.json")
    explicit = bool(named or env.get("OSC_CONFIG_FILE"))
    how = "option profile" if options.get("profile") else "OSC_PROFILE"
    if not path.exists():
        if explicit:
            raise CredentialsError(
                f"config file {str(path)!r} not found (profile {profile!r}); create it, "
                "fix OSC_CONFIG_FILE, or unset profile/OSC_PROFILE")
        return None, f"profile {profile!r} in {path} (no such file)"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"config file {str(path)!r} cannot be read: {exc}; "
                               "fix it (a JSON object keyed by profile name)") from exc
    if not isinstance(document, dict):
        raise CredentialsError(f"config file {str(path)!r} is not a JSON object keyed by "
                               "profile name; fix it")
    entry = document.get(profile)
    if entry is None:
        if named:
            known = ", ".join(repr(name) for name in document) or "none"
            raise CredentialsError(f"profile {profile!r} ({how}) not found in {str(path)!r}; "
                                   f"profiles there: {known}")
        return None, f"profile {profile!r} in {path} (no such profile)"
    if not isinstance(entry, dict):
        raise CredentialsError(f"profile {profile!r} in {str(path)!r} is not a JSON object")
    where = f"profile {profile!r} in {path}"
    layer = _Layer(where, origins={name: f"{key} of {where}" for name, key in _FILE_KEYS.items()})
    for name, key in _FILE_KEYS.items():
        layer.put(name, entry.get(key), f"{key} of {where}")
    endpoints = entry.get("endpoints")
    if isinstance(endpoints, dict):
        layer.put("endpoint", endpoints.get("api"), f"endpoints.api of {where}")
    return layer, where


def _role_layer(options: Mapping[str, Any], tried_file: str) -> tuple[_Layer, str | None]:
    base = options.get("metadata_url", DEFAULT_METADATA_URL)
    tried = ["option access_key/secret_key", "OSC_ACCESS_KEY/OSC_SECRET_KEY", tried_file]
    if base:
        try:
            role = fetch_role_credentials(base, options.get("role_name"))
        except MetadataUnavailable as exc:
            tried.append(f"metadata service ({exc})")
        else:
            layer = _Layer(f"role {role.role!r} from metadata service {base}")
            layer.put("access_key", role.access_key, "metadata service")
            layer.put("secret_key", role.secret_key, "metadata service")
            layer.put("region", role.region, "metadata service availability zone")
            return layer, role.token or None
    raise CredentialsError(
        "no OUTSCALE credentials found (tried " + "; ".join(tried) + "); set access_key and "
        "secret_key, export OSC_ACCESS_KEY and OSC_SECRET_KEY, or add a profile to "
        "~/.osc/config.json")
