"""Access options shared by every component that talks to the OUTSCALE API.

Builders inherit :class:`AccessOptionsSchema` so that their templates accept the
same keys as the Outscale Packer plugin's AccessConfig.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validates_schema

log = logging.getLogger(__name__)

DEFAULT_METADATA_URL = "http://169.254.169.254/latest/meta-data"

# Keys the Go plugin decoded but never used: accepted so that old templates run.
NO_EFFECT_KEYS = ("token", "mfa_code", "skip_metadata_api_check")


def _described(field_class: type[fields.Field], description: str, *, secret: bool = False,
               **kwargs: Any) -> fields.Field:
    """A field with its reference-docs description; ``secret`` hides it from option reprs."""
    metadata: dict[str, Any] = {"description": description}
    if secret:
        metadata["secret"] = True
    return field_class(metadata=metadata, **kwargs)


class AccessOptionsSchema(Schema):
    """Credentials, region and endpoint options; builders subclass it."""

    access_key = _described(fields.String, "Access key (AK) used to sign API requests.",
                            load_default=None)
    secret_key = _described(fields.String, "Secret key (SK) paired with access_key.",
                            secret=True, load_default=None)
    region = _described(fields.String, "OUTSCALE region, e.g. eu-west-2.", load_default=None)
    profile = _described(fields.String,
                         "Profile name in ~/.osc/config.json (or $OSC_CONFIG_FILE).",
                         load_default=None)
    custom_endpoint_oapi = _described(
        fields.String, "API endpoint URL, e.g. https://api.eu-west-2.outscale.com/api/v1.",
        load_default=None)
    insecure_skip_tls_verify = _described(
        fields.Boolean, "Do not verify the API's TLS certificate (test endpoints only).",
        load_default=None)
    x509_cert_path = _described(fields.String, "Client TLS certificate file for the API.",
                                load_default=None)
    x509_key_path = _described(fields.String, "Client TLS private key file for the API.",
                               load_default=None)
    metadata_url = _described(
        fields.String,
        "Base URL of the VM metadata service used for role credentials; empty disables it.",
        load_default=DEFAULT_METADATA_URL)
    role_name = _described(
        fields.String, "Role whose credentials the metadata service gives (default: the first).",
        load_default=None)
    token = _described(fields.String, "Deprecated: has no effect.", secret=True,
                       load_default=None)
    mfa_code = _described(fields.String, "Deprecated: has no effect.", secret=True,
                          load_default=None)
    skip_metadata_api_check = _described(fields.Boolean, "Deprecated: has no effect.",
                                         load_default=None)

    @pre_load
    def _warn_no_effect_keys(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            for key in NO_EFFECT_KEYS:
                if key in data:
                    log.warning("option %r is deprecated and has no effect; remove it", key)
        return data

    # Not osc_build.config.cross_check: the client works without osc-build's core. Like
    # a cross check, it runs beside the option errors (every mistake in one run), and
    # judges what the template wrote, so an option that failed to load is not "missing".
    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_pairs(self, data: dict[str, Any], given: Any, **_: Any) -> None:
        if not isinstance(given, Mapping):
            return  # not a block at all: its type error says so
        if bool(given.get("access_key")) != bool(given.get("secret_key")):
            missing = "secret_key" if given.get("access_key") else "access_key"
            raise ValidationError(
                "access_key and secret_key must be given together; set both or neither",
                missing)
        if given.get("x509_key_path") and not given.get("x509_cert_path"):
            raise ValidationError(
                "x509_key_path needs x509_cert_path; set the certificate file too",
                "x509_cert_path")
