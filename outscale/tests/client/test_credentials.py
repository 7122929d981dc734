"""Credential, region and endpoint resolution from every source, in order."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from osc_build.log import redact
from osc_build_outscale.client.credentials import resolve_credentials
from osc_build_outscale.errors import CredentialsError, OutscaleConfigError

from .conftest import Reply, ScriptedServer

NO_METADATA = {"metadata_url": ""}
OSC_ENV = {"OSC_ACCESS_KEY": "AKENV", "OSC_SECRET_KEY": "SKENV-secret-value"}


def resolve(options: dict[str, Any] | None = None, env: dict[str, str] | None = None,
            home: Path | None = None) -> Any:
    return resolve_credentials({**NO_METADATA, **(options or {})}, env=env or {},
                               home=home or Path("/nonexistent-home"))


def write_config(home: Path, profiles: dict[str, Any]) -> Path:
    path = home / ".osc" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(profiles))
    return path


def test_template_keys_win_and_give_the_default_endpoint() -> None:
    creds = resolve({"access_key": "AKTPL", "secret_key": "SKTPL-secret", "region": "us-east-2"},
                    env=OSC_ENV)
    assert (creds.access_key, creds.secret_key) == ("AKTPL", "SKTPL-secret")
    assert creds.region == "us-east-2"
    assert creds.endpoint == "https://api.us-east-2.outscale.com/api/v1"
    assert creds.source == "template (access_key/secret_key)"
    assert creds.verify_tls is True
    assert "SKTPL-secret" not in repr(creds)


def test_environment_is_used_without_template_keys(tmp_path: Path) -> None:
    write_config(tmp_path, {"default": {"access_key": "AKFILE", "secret_key": "SKFILE-x"}})
    creds = resolve({}, env={**OSC_ENV, "OSC_REGION": "cloudgouv-eu-west-1",
                             "OSC_ENDPOINT_API": "http://127.0.0.1:8080/api/v1",
                             "OSC_TLS_SKIP_VERIFY": "true"}, home=tmp_path)
    assert (creds.access_key, creds.source) == ("AKENV", "environment (OSC_*)")
    assert creds.region == "cloudgouv-eu-west-1"
    assert creds.endpoint == "http://127.0.0.1:8080/api/v1"
    assert creds.verify_tls is False


def test_deprecated_variables_work_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    env = {"OUTSCALE_ACCESSKEYID": "AKOLD", "OUTSCALE_SECRETKEYID": "SKOLD-secret",
           "OUTSCALE_REGION": "us-west-1", "OUTSCALE_OAPI_URL": "outscale.com/oapi/latest"}
    with caplog.at_level(logging.WARNING):
        creds = resolve({}, env=env)
    assert (creds.access_key, creds.source) == ("AKOLD", "environment (deprecated OUTSCALE_*)")
    assert creds.endpoint == "https://api.us-west-1.outscale.com/api/v1"
    for old, new in [("OUTSCALE_ACCESSKEYID", "OSC_ACCESS_KEY"),
                     ("OUTSCALE_OAPI_URL", "OSC_ENDPOINT_API")]:
        assert f"environment variable {old} is deprecated; use {new} instead" in caplog.text
    assert "SKOLD-secret" not in caplog.text


def test_new_variables_beat_deprecated_ones() -> None:
    creds = resolve({}, env={**OSC_ENV, "OUTSCALE_ACCESSKEYID": "AKOLD",
                             "OUTSCALE_SECRETKEYID": "SKOLD", "OUTSCALE_REGION": "us-west-1",
                             "OSC_REGION": "eu-west-2"})
    assert (creds.access_key, creds.region) == ("AKENV", "eu-west-2")


def test_default_profile_of_the_config_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"default": {
        "access_key": "AKFILE", "secret_key": "SKFILE-x", "region": "ap-northeast-1",
        "endpoints": {"api": "api.ap-northeast-1.outscale.com"}}})
    creds = resolve({}, home=tmp_path)
    assert creds.access_key == "AKFILE"
    assert creds.source == f"profile 'default' in {path}"
    assert creds.endpoint == "https://api.ap-northeast-1.outscale.com/api/v1"


def test_osc_profile_and_osc_config_file_select_the_profile(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.json"
    path.write_text(json.dumps({"default": {"access_key": "AKD", "secret_key": "SKD"},
                                "dev": {"access_key": "AKDEV", "secret_key": "SKDEV"}}))
    creds = resolve({}, env={"OSC_CONFIG_FILE": str(path), "OSC_PROFILE": "dev"})
    assert (creds.access_key, creds.source) == ("AKDEV", f"profile 'dev' in {path}")


def test_environment_beats_the_config_file(tmp_path: Path) -> None:
    write_config(tmp_path, {"default": {"access_key": "AKFILE", "secret_key": "SKFILE",
                                        "region": "us-east-2"}})
    creds = resolve({}, env=OSC_ENV, home=tmp_path)
    assert creds.access_key == "AKENV"
    assert creds.region == "us-east-2"  # field by field: env gives no region, the file does


def test_a_profile_named_in_the_template_beats_the_environment(tmp_path: Path) -> None:
    write_config(tmp_path, {"dev": {"access_key": "AKDEV", "secret_key": "SKDEV",
                                    "region": "us-east-2"}})
    creds = resolve({"profile": "dev"}, env={**OSC_ENV, "OSC_REGION": "eu-west-2"},
                    home=tmp_path)
    assert (creds.access_key, creds.region) == ("AKDEV", "us-east-2")


def test_missing_named_profile_lists_the_known_ones(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"default": {}, "prod": {}})
    with pytest.raises(CredentialsError) as caught:
        resolve({"profile": "dev"}, home=tmp_path)
    assert str(caught.value) == (f"profile 'dev' (option profile) not found in '{path}'; "
                                 "profiles there: 'default', 'prod'")


@pytest.mark.parametrize(("content", "fragment"), [
    ("{not json", "cannot be read"),
    ("[1, 2]", "is not a JSON object keyed by profile name"),
    ('{"default": "AK"}', "profile 'default' in"),
])
def test_broken_config_file_is_an_error_not_ignored(tmp_path: Path, content: str,
                                                    fragment: str) -> None:
    path = tmp_path / ".osc" / "config.json"
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(CredentialsError, match=fragment):
        resolve({}, env=OSC_ENV, home=tmp_path)


def test_missing_config_file_is_an_error_only_when_asked_for(tmp_path: Path) -> None:
    assert resolve({}, env=OSC_ENV, home=tmp_path).access_key == "AKENV"
    with pytest.raises(CredentialsError, match=r"config file .* not found .*profile 'dev'"):
        resolve({}, env={**OSC_ENV, "OSC_PROFILE": "dev"}, home=tmp_path)
    with pytest.raises(CredentialsError, match="OSC_CONFIG_FILE"):
        resolve({}, env={**OSC_ENV, "OSC_CONFIG_FILE": str(tmp_path / "missing.json")})


@pytest.mark.parametrize(("options", "env", "message"), [
    ({"access_key": "AK"}, {}, "option access_key is set but option secret_key is not"),
    ({}, {"OSC_SECRET_KEY": "SK"}, "OSC_SECRET_KEY is set but OSC_ACCESS_KEY is not"),
    ({}, {"OUTSCALE_ACCESSKEYID": "AK"},
     "OUTSCALE_ACCESSKEYID is set but OUTSCALE_SECRETKEYID is not"),
])
def test_half_given_key_pairs_are_errors(options: dict[str, Any], env: dict[str, str],
                                         message: str) -> None:
    with pytest.raises(CredentialsError, match=message):
        resolve(options, env={**env})


def test_half_pair_in_a_profile_names_the_file(tmp_path: Path) -> None:
    path = write_config(tmp_path, {"default": {"access_key": "AKFILE"}})
    with pytest.raises(CredentialsError) as caught:
        resolve({}, home=tmp_path)
    assert f"secret_key of profile 'default' in {path} is not" in str(caught.value)


def test_no_credentials_anywhere_says_what_was_tried(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError) as caught:
        resolve({}, home=tmp_path)
    message = str(caught.value)
    assert message.startswith("no OUTSCALE credentials found (tried option access_key/secret_"
                              "key; OSC_ACCESS_KEY/OSC_SECRET_KEY; profile 'default' in ")
    assert "export OSC_ACCESS_KEY and OSC_SECRET_KEY" in message


def _pem_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """A certificate and its unencrypted PKCS#8 key, as PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                   .public_key(key.public_key()).serial_number(1).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_x509_files_are_checked_and_resolved(tmp_path: Path) -> None:
    cert, key = _pem_pair(tmp_path, "client")
    creds = resolve({"x509_cert_path": str(cert)}, env={**OSC_ENV,
                                                       "OSC_X509_CLIENT_KEY": str(key)})
    assert (creds.x509_cert, creds.x509_key) == (str(cert), str(key))
    with pytest.raises(CredentialsError) as caught:
        resolve({"x509_cert_path": str(tmp_path / "nope.pem")}, env=OSC_ENV)
    assert str(caught.value) == (f"option x509_cert_path '{tmp_path / 'nope.pem'}' does not "
                                 "exist; give the path of an existing file")
    with pytest.raises(CredentialsError, match=r"OUTSCALE_X509KEY .* is not a regular file"):
        resolve({}, env={**OSC_ENV, "OSC_X509_CLIENT_CERT": str(cert),
                         "OUTSCALE_X509KEY": str(tmp_path)})


KEY_BODY = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg-not-a-real-key"


def test_x509_variables_get_the_template_options_checks(tmp_path: Path) -> None:
    cert, key = _pem_pair(tmp_path, "client")
    other_cert, other_key = _pem_pair(tmp_path, "other")
    der = tmp_path / "client.der"
    der.write_bytes(b"0\x82\x01 DER bytes " + KEY_BODY.encode())
    cases = [
        ({"OSC_X509_CLIENT_CERT": str(der), "OSC_X509_CLIENT_KEY": str(key)},
         f"OSC_X509_CLIENT_CERT '{der}' is not a PEM certificate (no BEGIN CERTIFICATE line); "
         "give the client certificate in PEM form"),
        ({"OSC_X509_CLIENT_CERT": str(key), "OSC_X509_CLIENT_KEY": str(key)},
         f"OSC_X509_CLIENT_CERT '{key}' holds a private key, not a certificate"),
        ({"OSC_X509_CLIENT_CERT": str(cert), "OSC_X509_CLIENT_KEY": str(cert)},
         f"OSC_X509_CLIENT_KEY '{cert}' holds a certificate, not a private key; give the "
         "client certificate's private key in PEM form"),
        ({"OSC_X509_CLIENT_CERT": str(cert), "OSC_X509_CLIENT_KEY": str(other_key)},
         f"OSC_X509_CLIENT_KEY '{other_key}' is not the key of certificate '{cert}' ("),
        ({"OUTSCALE_X509CERT": str(other_cert), "OUTSCALE_X509KEY": str(key)},
         f"OUTSCALE_X509KEY '{key}' is not the key of certificate '{other_cert}'"),
    ]
    for env, expected in cases:
        with pytest.raises(CredentialsError) as caught:
            resolve({}, env={**OSC_ENV, **env})
        assert expected in str(caught.value)
        body = [line for path in (key, other_key) for line in path.read_text().splitlines()
                if not line.startswith("-----")]
        assert not [part for part in (KEY_BODY, *body) if part in str(caught.value)]


def test_x509_files_of_a_profile_are_named_by_the_profile(tmp_path: Path) -> None:
    cert, key = _pem_pair(tmp_path, "client")
    _, other_key = _pem_pair(tmp_path, "other")
    path = write_config(tmp_path, {"default": {
        "access_key": "AKFILE", "secret_key": "SKFILE-secret", "x509_client_cert": str(cert),
        "x509_client_key": str(other_key)}})
    with pytest.raises(CredentialsError) as caught:
        resolve({}, env={}, home=tmp_path)
    assert str(caught.value).startswith(
        f"x509_client_key of profile 'default' in {path} '{other_key}' is not the key of "
        f"certificate '{cert}'")
    assert "give the certificate's own key, unencrypted" in str(caught.value)
    write_config(tmp_path, {"default": {
        "access_key": "AKFILE", "secret_key": "SKFILE-secret", "x509_client_cert": str(cert),
        "x509_client_key": str(key)}})
    creds = resolve({}, env={}, home=tmp_path)
    assert (creds.x509_cert, creds.x509_key) == (str(cert), str(key))


@pytest.mark.parametrize(("options", "env", "region"), [
    ({"region": "us-east-2"}, {"OSC_REGION": "eu-west-2"}, "us-east-2"),
    ({}, {"OSC_REGION": "us-west-1", "OUTSCALE_REGION": "eu-west-2"}, "us-west-1"),
    ({"custom_endpoint_oapi": "https://api.ap-northeast-1.outscale.com/api/v1"}, {},
     "ap-northeast-1"),
    ({}, {}, "eu-west-2"),
])
def test_region_is_always_resolved(options: dict[str, Any], env: dict[str, str],
                                   region: str) -> None:
    creds = resolve({"access_key": "AK", "secret_key": "SK", **options}, env=env)
    assert creds.region == region  # artifact ids are "<region>:<omi>", never ":<omi>"


def test_resolved_secrets_are_redacted_everywhere() -> None:
    resolve({"access_key": "AK", "secret_key": "SK-never-shown-0001",
             "token": "legacy-token-never-shown"})
    assert redact("oops SK-never-shown-0001 legacy-token-never-shown") == \
        "oops <redacted> <redacted>"


def test_debug_log_names_the_source_but_not_the_secret(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write_config(tmp_path, {"default": {"access_key": "AKFILE",
                                        "secret_key": "SKFILE-debug-secret"}})
    with caplog.at_level(logging.DEBUG, logger="osc_build_outscale.client"):
        resolve({}, home=tmp_path)
    assert "access key AKFILE from profile 'default' in" in caplog.text
    assert "SKFILE-debug-secret" not in caplog.text


def test_invalid_endpoint_is_a_config_error() -> None:
    with pytest.raises(OutscaleConfigError,
                       match="option custom_endpoint_oapi 'ftp://x' is not a valid"):
        resolve({"access_key": "AK", "secret_key": "SK", "custom_endpoint_oapi": "ftp://x"})


# Role credentials, from a metadata service on loopback (never 169.254.169.254).

ROLE_DOCUMENT = {"Code": "Success", "AccessKeyId": "AKROLE", "SecretAccessKey": "SKROLE-temp",
                 "Token": "role-session-token-xyz", "Expiration": "2026-11-26T23:00:00Z"}


def serve_role(server: ScriptedServer, document: Any = ROLE_DOCUMENT) -> str:
    base = f"{server.url}/latest/meta-data"
    server.routes["/latest/meta-data/iam/security-credentials/"] = Reply(200, "builder\n")
    server.routes["/latest/meta-data/iam/security-credentials/builder"] = Reply(200, document)
    server.routes["/latest/meta-data/placement/availability-zone"] = Reply(200, "us-east-2a")
    return base


def test_role_credentials_from_the_metadata_service(server: ScriptedServer,
                                                    tmp_path: Path) -> None:
    base = serve_role(server)
    creds = resolve({"metadata_url": base}, home=tmp_path)
    assert (creds.access_key, creds.secret_key) == ("AKROLE", "SKROLE-temp")
    assert creds.session_token == "role-session-token-xyz"
    assert creds.region == "us-east-2"
    assert creds.source == f"role 'builder' from metadata service {base}"
    assert redact("role-session-token-xyz") == "<redacted>"
    assert [seen.path for seen in server.requests] == [
        "/latest/meta-data/iam/security-credentials/",
        "/latest/meta-data/iam/security-credentials/builder",
        "/latest/meta-data/placement/availability-zone"]


def test_role_is_only_asked_when_nothing_else_gives_keys(server: ScriptedServer) -> None:
    base = serve_role(server)
    assert resolve({"metadata_url": base}, env=OSC_ENV).access_key == "AKENV"
    assert server.requests == []


def test_named_role_that_does_not_exist(server: ScriptedServer) -> None:
    base = serve_role(server)
    server.routes["/latest/meta-data/iam/security-credentials/other"] = Reply(404, "Not Found")
    with pytest.raises(CredentialsError, match="role 'other' not found by the metadata"):
        resolve({"metadata_url": base, "role_name": "other"})


def test_refused_role_credentials(server: ScriptedServer) -> None:
    base = serve_role(server, {**ROLE_DOCUMENT, "Code": "Expired"})
    with pytest.raises(CredentialsError, match="refused credentials for role 'builder'"):
        resolve({"metadata_url": base})


def test_unreachable_metadata_service_is_reported_as_tried(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match=r"metadata service \(http://127\.0\.0\.1:9/"):
        resolve({"metadata_url": "http://127.0.0.1:9/latest/meta-data"}, home=tmp_path)
