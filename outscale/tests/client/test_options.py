"""AccessOptionsSchema: Packer's access keys, defaults, deprecated keys, inheritance."""

from __future__ import annotations

import logging

import pytest
from marshmallow import ValidationError, fields

from osc_build_outscale.client.options import DEFAULT_METADATA_URL, AccessOptionsSchema


def test_defaults_when_nothing_is_given() -> None:
    loaded = AccessOptionsSchema().load({})
    assert loaded["access_key"] is None and loaded["profile"] is None
    assert loaded["metadata_url"] == DEFAULT_METADATA_URL


def test_every_option_is_described() -> None:
    for name, field in AccessOptionsSchema().fields.items():
        assert field.metadata.get("description"), name


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        AccessOptionsSchema().load({"acess_key": "AK"})
    assert "acess_key" in caught.value.messages


def test_packer_keys_load() -> None:
    loaded = AccessOptionsSchema().load({
        "access_key": "AK", "secret_key": "SK", "region": "eu-west-2", "profile": "dev",
        "custom_endpoint_oapi": "outscale.com/oapi/latest", "insecure_skip_tls_verify": True,
        "x509_cert_path": "/c.pem", "x509_key_path": "/k.pem"})
    assert loaded["insecure_skip_tls_verify"] is True
    assert loaded["custom_endpoint_oapi"] == "outscale.com/oapi/latest"


def test_half_key_pair_is_rejected_with_the_missing_key() -> None:
    with pytest.raises(ValidationError) as caught:
        AccessOptionsSchema().load({"access_key": "AK"})
    assert caught.value.messages == {
        "secret_key": ["access_key and secret_key must be given together; set both or neither"]}


def test_key_without_certificate_is_rejected() -> None:
    with pytest.raises(ValidationError) as caught:
        AccessOptionsSchema().load({"x509_key_path": "/k.pem"})
    assert "x509_cert_path" in caught.value.messages


def test_no_effect_keys_are_accepted_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        AccessOptionsSchema().load({"token": "t", "mfa_code": "123456",
                                    "skip_metadata_api_check": True})
    for key in ("token", "mfa_code", "skip_metadata_api_check"):
        assert f"option {key!r} is deprecated and has no effect; remove it" in caplog.text


def test_builders_inherit_the_access_options() -> None:
    class BuilderSchema(AccessOptionsSchema):
        vm_type = fields.String(load_default="tinav5.c1r1p2",
                                metadata={"description": "VM type."})

    loaded = BuilderSchema().load({"access_key": "AK", "secret_key": "SK"})
    assert loaded["vm_type"] == "tinav5.c1r1p2" and loaded["access_key"] == "AK"
    with pytest.raises(ValidationError):
        BuilderSchema().load({"secret_key": "SK"})
