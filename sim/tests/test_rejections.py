"""Each rejection with its error code: signatures, clock, certificates, the spec."""

import ssl
from datetime import timedelta

import pytest
import requests

from osc_build_sim.testing import signed_post


def error(response):
    body = response.json()
    assert body["ResponseContext"]["RequestId"]
    return response.status_code, body["Errors"][0]["Code"], body["Errors"][0]["Type"]


def test_a_correct_signature_is_accepted(simulator_session):
    assert signed_post(simulator_session, "ReadVms", {}).status_code == 200


def test_tampered_body(simulator_session):
    response = signed_post(simulator_session, "ReadVms", {"Filters": {"VmIds": ["i-1"]}},
                           tamper=b'{"Filters": {"VmIds": ["i-2"]}}')
    assert error(response) == (401, "1", "AccessDenied")


def test_wrong_secret(simulator_session):
    response = signed_post(simulator_session, "ReadVms", {}, secret_key="X" * 40)
    assert error(response) == (401, "1", "AccessDenied")


def test_unknown_access_key(simulator_session):
    response = signed_post(simulator_session, "ReadVms", {}, access_key="UNKNOWNKEY0000000000")
    assert error(response) == (400, "4120", "InvalidParameterValue")


@pytest.mark.parametrize("minutes", [6, -6])
def test_skewed_clock(simulator_session, minutes):
    response = signed_post(simulator_session, "ReadVms", {}, skew=timedelta(minutes=minutes))
    assert error(response)[:2] == (401, "1")
    assert "5 minutes" in response.json()["Errors"][0]["Details"]


def test_missing_authorization(simulator_session):
    response = requests.post(f"{simulator_session.endpoint}/ReadVms", json={}, timeout=5)
    assert error(response) == (401, "1", "AccessDenied")


@pytest.mark.parametrize(("body", "code"), [
    ({"Foo": 1}, "4045"),  # invalid-parameter
    ({"Filters": {"ImageName": ["x"]}}, "4045"),
    ({"Filters": {"ImageNames": "Debian"}}, "4108"),  # invalid-parameter-type
    ({"ResultsPerPage": "10"}, "4108"),
])
def test_spec_violations(simulator_session, body, code):
    assert error(signed_post(simulator_session, "ReadImages", body))[:2] == (400, code)


def test_missing_required_field(simulator_session):
    response = signed_post(simulator_session, "DeleteImage", {})
    assert error(response) == (400, "4095", "InvalidParameterValue")  # validation-error


def test_unknown_operation(simulator_session):
    assert error(signed_post(simulator_session, "ReadUnicorns", {})) == (
        404, "5038", "InvalidResource")  # no-such-operation


CERT_REGION = "cloudgouv-eu-west-1"


def test_certificate_region_refuses_plain_http(simulator_session):
    response = signed_post(simulator_session, "ReadVms", {}, region=CERT_REGION,
                           endpoint=simulator_session.regions[CERT_REGION])
    assert error(response) == (401, "1", "AccessDenied")


def _tls_region_endpoint(sim):
    return sim.tls_endpoint.replace("/api/v1", f"/{CERT_REGION}/api/v1")


def test_certificate_region_refuses_https_without_certificate(simulator_session):
    response = signed_post(simulator_session, "ReadVms", {}, region=CERT_REGION,
                           endpoint=_tls_region_endpoint(simulator_session),
                           verify=simulator_session.ca_file)
    assert error(response) == (401, "1", "AccessDenied")


def test_certificate_region_accepts_the_ca_signed_client_certificate(simulator_session):
    response = signed_post(simulator_session, "ReadVms", {}, region=CERT_REGION,
                           endpoint=_tls_region_endpoint(simulator_session),
                           verify=simulator_session.ca_file,
                           cert=simulator_session.client_cert_file)
    assert response.status_code == 200, response.text


def test_certificate_from_another_ca_is_refused(simulator_session, tmp_path):
    from osc_build_sim import tls
    other, _ = tls.ensure(tmp_path / "other-ca")
    with pytest.raises(requests.exceptions.SSLError if hasattr(ssl, "SSLError") else Exception):
        signed_post(simulator_session, "ReadVms", {}, region=CERT_REGION,
                    endpoint=_tls_region_endpoint(simulator_session),
                    verify=simulator_session.ca_file, cert=str(other.client))


def test_scope_region_must_match_the_endpoint(simulator_session):
    sim = simulator_session
    response = signed_post(sim, "ReadVms", {}, region="us-east-2", endpoint=sim.endpoint,
                           access_key=sim.access_key, secret_key=sim.secret_key)
    assert error(response) == (401, "1", "AccessDenied")
    ok = signed_post(sim, "ReadVms", {}, region="us-east-2",
                     endpoint=sim.regions["us-east-2"])
    assert ok.status_code == 200
