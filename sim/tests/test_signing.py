from datetime import UTC, datetime

import pytest

from osc_build_sim.signing import SignatureProblem, parse_authorization, signature, verify

AK = "FAKEACCESSKEY0000000"
SK = "FAKESECRETKEY0000000000000000000000000000"
BODY = b'{"Filters": {"VmIds": ["i-12345678"]}}'
HEADERS = [("content-type", "application/json; charset=utf-8"), ("host", "127.0.0.1"),
           ("x-osc-date", "20260101T000000Z")]
EXPECTED = "8ba4083ef9922e980f7f37761ebd5f0dc5507cab62914c59847ad27393ee0300"
NOW = datetime(2026, 1, 1, 0, 1, tzinfo=UTC)


def _auth(sig: str = EXPECTED):
    return parse_authorization(
        f"OSC4-HMAC-SHA256 Credential={AK}/20260101/eu-west-2/api/osc4_request, "
        f"SignedHeaders=content-type;host;x-osc-date, Signature={sig}")


def test_signature_matches_the_sdk_test_vector():
    assert signature(SK, date_iso="20260101T000000Z", region="eu-west-2",
                     path="/api/v1/ReadVms", headers=HEADERS, body=BODY) == EXPECTED


def test_verify_accepts_the_host_header_with_a_port_the_sdk_did_not_sign():
    headers = {**dict(HEADERS), "host": "127.0.0.1:8443"}
    verify(_auth(), SK, path="/api/v1/ReadVms", headers=headers, body=BODY, now=NOW)


@pytest.mark.parametrize(("change", "kind"), [
    ({"body": BODY + b" "}, "bad-signature"),
    ({"secret": SK[:-1] + "1"}, "bad-signature"),
    ({"now": datetime(2026, 1, 1, 0, 6, tzinfo=UTC)}, "skew"),
])
def test_verify_rejects(change, kind):
    with pytest.raises(SignatureProblem) as error:
        verify(_auth(), change.get("secret", SK), path="/api/v1/ReadVms",
               headers=dict(HEADERS), body=change.get("body", BODY), now=change.get("now", NOW))
    assert error.value.kind == kind


def test_malformed_authorization_is_rejected():
    with pytest.raises(SignatureProblem):
        parse_authorization("Basic Zm9vOmJhcg==")
