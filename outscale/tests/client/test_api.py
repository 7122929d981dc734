"""OscClient against a real HTTP server on loopback: signing, retries, timeouts, logs."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest
import requests

from osc_build_outscale.client.api import OscClient
from osc_build_outscale.client.credentials import Credentials
from osc_build_outscale.client.waiters import state_reader, wait_for
from osc_build_outscale.errors import CloudError, CredentialsError

from .conftest import SECRET_KEY, Reply, ScriptedServer, osc4_signature

pytestmark = pytest.mark.timeout(60)


class Recorder:
    """An injected sleep that records the delays instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(credentials: Credentials, **kwargs: Any) -> tuple[OscClient, Recorder]:
    sleep = Recorder()
    kwargs.setdefault("jitter", lambda: 1.0)
    return OscClient(credentials, sleep=sleep, **kwargs), sleep


def throttled(status: int, code: str) -> dict[str, Any]:
    return {"Errors": [{"Code": code, "Type": "Throttled", "Details": ""}],
            "ResponseContext": {"RequestId": f"req-{status}"}}


def test_signature_helper_matches_the_reference_vector() -> None:
    signature = osc4_signature(
        "FAKESECRETKEY0000000000000000000000000000", region="eu-west-2", host="127.0.0.1",
        path="/api/v1/ReadVms", body=b'{"Filters": {"VmIds": ["i-12345678"]}}',
        date_iso="20260101T000000Z")
    assert signature == "8ba4083ef9922e980f7f37761ebd5f0dc5507cab62914c59847ad27393ee0300"


def test_call_sends_a_signed_request_and_returns_the_answer(
        server: ScriptedServer, credentials: Credentials) -> None:
    server.add(200, {"Vms": [{"VmId": "i-1"}], "ResponseContext": {"RequestId": "r1"}})
    client, _ = make_client(credentials)
    answer = client.call("ReadVms", Filters={"VmIds": ["i-1"]}, NextPageToken=None)
    assert answer["Vms"] == [{"VmId": "i-1"}]
    seen = server.requests[0]
    assert (seen.method, seen.path) == ("POST", "/api/v1/ReadVms")
    assert server.bodies() == [{"Filters": {"VmIds": ["i-1"]}}]  # None dropped
    assert seen.signature_ok is True
    assert "osc-build" in seen.headers["User-Agent"]


def test_gateway_is_built_once_per_thread_and_reused(credentials: Credentials) -> None:
    client = OscClient(credentials)
    other_client = OscClient(credentials)
    mine = client.gateway()
    assert client.gateway() is mine and other_client.gateway() is mine
    theirs: list[Any] = []
    thread = threading.Thread(target=lambda: theirs.append(client.gateway()))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    assert theirs[0].call.session is not mine.call.session


def test_gateway_construction_is_cheap(credentials: Credentials, monkeypatch) -> None:
    from osc_build_outscale.client import gateway as gateway_module

    OscClient(credentials).gateway()._check("ReadVms")  # spec parsed once per process
    loads = []
    monkeypatch.setattr(gateway_module, "load_spec", lambda *args: loads.append(args))
    for port in range(20):
        fresh = Credentials("AK", "SK", endpoint=f"http://127.0.0.1:{port + 1}/api/v1")
        gateway = OscClient(fresh).gateway()
        gateway._check("ReadVms", Filters={})
    assert loads == []  # every gateway shares the one parsed spec


@pytest.mark.parametrize(("status", "code"), [(429, "24"), (503, "6"), (500, "")])
def test_throttling_and_server_errors_are_retried_with_backoff(
        server: ScriptedServer, credentials: Credentials, status: int, code: str) -> None:
    server.add(status, throttled(status, code))
    server.add(status, throttled(status, code))
    server.add(200, {"Images": [], "ResponseContext": {"RequestId": "ok"}})
    client, sleep = make_client(credentials, backoff_base=1.0)
    assert client.call("ReadImages") == {"Images": [], "ResponseContext": {"RequestId": "ok"}}
    assert len(server.requests) == 3
    assert sleep.delays == [1.0, 2.0]  # exponential; jitter pinned to its maximum
    assert all(seen.signature_ok for seen in server.requests)


def test_jitter_spreads_delays_between_half_and_full(credentials: Credentials,
                                                     server: ScriptedServer) -> None:
    for _ in range(4):
        server.add(503, throttled(503, "6"))
    client, sleep = make_client(credentials, backoff_base=4.0, backoff_cap=10.0,
                                max_attempts=4, jitter=lambda: 0.0)
    with pytest.raises(CloudError):
        client.call("ReadImages")
    assert sleep.delays == [2.0, 4.0, 5.0]  # half of 4, 8 and the 10 s cap


def test_retry_after_is_honoured(server: ScriptedServer, credentials: Credentials) -> None:
    server.add(429, throttled(429, "25"), headers={"Retry-After": "7"})
    server.add(200, {"ResponseContext": {"RequestId": "ok"}})
    client, sleep = make_client(credentials, backoff_base=0.5)
    client.call("ReadVms")
    assert sleep.delays == [7.0]


def test_gives_up_after_max_attempts_with_the_api_error(
        server: ScriptedServer, credentials: Credentials) -> None:
    for _ in range(3):
        server.add(503, throttled(503, "6"))
    client, sleep = make_client(credentials, max_attempts=3)
    with pytest.raises(CloudError) as caught:
        client.call("CreateVms", ImageId="ami-1")
    error = caught.value
    assert (error.status, error.code, error.request_id) == (503, "6", "req-503")
    assert "gave up after 3 attempts" in str(error)
    assert len(server.requests) == 3 and len(sleep.delays) == 2


def test_client_errors_are_not_retried(server: ScriptedServer, credentials: Credentials) -> None:
    server.add(400, {"Errors": [{"Code": "5063", "Type": "InvalidResource",
                                 "Details": "The VmId 'i-00000000' doesn't exist."}],
                     "ResponseContext": {"RequestId": "req-400"}})
    client, sleep = make_client(credentials)
    with pytest.raises(CloudError) as caught:
        client.call("ReadVms", Filters={"VmIds": ["i-00000000"]})
    assert str(caught.value) == ("ReadVms failed: InvalidResource (code 5063): The VmId "
                                 "'i-00000000' doesn't exist. [request id req-400]")
    assert caught.value.operation == "ReadVms" and caught.value.type == "InvalidResource"
    assert len(server.requests) == 1 and sleep.delays == []


def test_authentication_failure_mentions_the_clock(server: ScriptedServer,
                                                  credentials: Credentials) -> None:
    server.add(401, {"Errors": [{"Code": "1", "Type": "AccessDenied", "Details": ""}],
                     "ResponseContext": {"RequestId": "req-401"}})
    client, _ = make_client(credentials)
    with pytest.raises(CloudError) as caught:
        client.call("ReadVms", DryRun=True)
    message = str(caught.value)
    assert message.startswith("ReadVms failed: AccessDenied (code 1) [request id req-401]; ")
    assert "clock" in message and "5 minutes" in message
    assert server.bodies() == [{"DryRun": True}]  # DryRun goes through gw.raw


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_is_retried_then_reported() -> None:
    endpoint = f"http://127.0.0.1:{unused_port()}/api/v1"
    client, sleep = make_client(Credentials("AK", "SK", endpoint=endpoint), max_attempts=3)
    with pytest.raises(CloudError) as caught:
        client.call("CreateVolume", Size=10, SubregionName="eu-west-2a")
    assert len(sleep.delays) == 2
    message = str(caught.value)
    assert message.startswith(f"CreateVolume failed: cannot connect to {endpoint} (3 attempts)")
    assert "OSC_ENDPOINT_API" in message


def test_a_hanging_server_times_out_and_reads_are_retried(
        server: ScriptedServer, credentials: Credentials) -> None:
    server.add(hang=True)
    server.add(200, {"Vms": [], "ResponseContext": {"RequestId": "ok"}})
    client, sleep = make_client(credentials, timeout=0.3)
    started = time.monotonic()
    assert client.call("ReadVms")["Vms"] == []
    assert time.monotonic() - started < 3
    assert len(server.requests) == 2 and len(sleep.delays) == 1


def test_a_timeout_on_a_create_is_not_retried(server: ScriptedServer,
                                              credentials: Credentials) -> None:
    server.add(hang=True)
    client, sleep = make_client(credentials, timeout=0.3)
    with pytest.raises(CloudError) as caught:
        client.call("CreateVms", ImageId="ami-1")
    assert "no answer within 0.3s" in str(caught.value)
    assert len(server.requests) == 1 and sleep.delays == []


def test_a_timeout_on_a_create_with_a_client_token_is_retried(server: ScriptedServer,
                                                             credentials: Credentials) -> None:
    """The same ClientToken again: the API answers with what the first call made."""
    server.add(hang=True)
    server.add(200, {"Vms": [{"VmId": "i-1"}], "ResponseContext": {"RequestId": "ok"}})
    client, sleep = make_client(credentials, timeout=0.3)
    assert client.call("CreateVms", ImageId="ami-1", ClientToken="t-1")["Vms"] == [
        {"VmId": "i-1"}]
    assert len(server.requests) == 2 and len(sleep.delays) == 1


def test_dry_run_false_is_sent_too(server: ScriptedServer, credentials: Credentials) -> None:
    client, _ = make_client(credentials)
    client.call("CreateTags", ResourceIds=["i-1"], Tags=[], DryRun=False)
    assert server.bodies() == [{"ResourceIds": ["i-1"], "Tags": [], "DryRun": False}]


def test_sdk_validation_error_becomes_a_cloud_error(credentials: Credentials) -> None:
    client, _ = make_client(credentials)
    with pytest.raises(CloudError, match="ReadVms failed: ParameterNotValid: Bogus"):
        client.call("ReadVms", Bogus=1)


def test_paginate_follows_next_page_token(server: ScriptedServer,
                                          credentials: Credentials) -> None:
    server.add(200, {"Images": [{"ImageId": "ami-1"}], "NextPageToken": "dG9rMQ=="})
    server.add(200, {"Images": [{"ImageId": "ami-2"}], "NextPageToken": ""})
    client, _ = make_client(credentials)
    images = list(client.paginate("ReadImages", "Images", Filters={"ImageNames": ["x"]}))
    assert [image["ImageId"] for image in images] == ["ami-1", "ami-2"]
    assert server.bodies() == [{"Filters": {"ImageNames": ["x"]}},
                               {"Filters": {"ImageNames": ["x"]}, "NextPageToken": "dG9rMQ=="}]


def test_paginate_stops_on_a_repeated_token(server: ScriptedServer,
                                            credentials: Credentials) -> None:
    server.routes["/api/v1/ReadSnapshots"] = Reply(200, {"Snapshots": [{}],
                                                         "NextPageToken": "same"})
    client, _ = make_client(credentials)
    with pytest.raises(CloudError, match="twice"):
        list(client.paginate("ReadSnapshots", "Snapshots"))
    assert len(server.requests) == 2


def test_secrets_never_reach_the_logs(server: ScriptedServer, credentials: Credentials,
                                      caplog: pytest.LogCaptureFixture) -> None:
    private_key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretmaterial\n-----END RSA"
    server.add(200, {"Keypair": {"KeypairName": "tmp", "PrivateKey": private_key},
                     "ResponseContext": {"RequestId": "r"}})
    server.add(500, {"Errors": [{"Code": "", "Type": "InternalError", "Details": ""}]})
    server.add(200, {"ResponseContext": {"RequestId": "r2"}})
    client, _ = make_client(credentials)
    with caplog.at_level(logging.DEBUG):
        client.call("CreateKeypair", KeypairName="tmp")
        client.call("CreateAccessKey", ExpirationDate="2030-01-01")
        client.gateway().raw  # noqa: B018 - touching the gateway must not log either
        client.call("ReadVms", Filters={"Password": "hunter2-secret"}, DryRun=True)
    text = caplog.text
    assert "CreateKeypair" in text and "ReadVms" in text
    assert SECRET_KEY not in text
    assert "MIIEsecretmaterial" not in text
    assert "hunter2-secret" not in text


def test_session_applies_timeout_tls_verification_and_client_certificate(
        tmp_path: Any) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    credentials = Credentials("AK", "SK", endpoint="https://api.test.invalid/api/v1",
                              x509_cert=str(cert), x509_key=str(key), verify_tls=False)
    client = OscClient(credentials, timeout=12.0, connect_timeout=3.0)
    session = client.gateway().call.session
    sent: dict[str, Any] = {}

    class RecordingAdapter(requests.adapters.BaseAdapter):
        def send(self, request: Any, **kwargs: Any) -> Any:
            sent.update(kwargs)
            response = requests.Response()
            response.status_code, response._content = 200, b"{}"
            response.headers["Content-Type"] = "application/json"
            response.request, response.url = request, request.url
            return response

        def close(self) -> None:
            pass

    session.mount("https://", RecordingAdapter())
    assert client.call("ReadVms") == {}
    assert sent["timeout"] == (3.0, 12.0)
    assert sent["verify"] is False
    assert sent["cert"] == (str(cert), str(key))


def test_an_answer_that_is_not_json_is_reported(server: ScriptedServer,
                                                credentials: Credentials) -> None:
    server.add(200, "<html>captive portal</html>")
    client, sleep = make_client(credentials)
    with pytest.raises(CloudError, match="ReadVms failed: invalid answer to http://127"):
        client.call("ReadVms")
    assert sleep.delays == []


def test_one_client_serves_many_threads(server: ScriptedServer,
                                        credentials: Credentials) -> None:
    client = OscClient(credentials)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                client.call("ReadVms")
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(server.requests) == 20 and all(seen.signature_ok for seen in server.requests)


def test_check_access_turns_an_auth_failure_into_a_credentials_error(
        server: ScriptedServer, credentials: Credentials) -> None:
    server.add(200, {"ResponseContext": {"RequestId": "dry"}})
    server.add(401, {"Errors": [{"Code": "1", "Type": "AccessDenied", "Details": ""}],
                     "ResponseContext": {"RequestId": "req-401"}})
    client, _ = make_client(credentials)
    client.check_access()
    with pytest.raises(CredentialsError) as caught:
        client.check_access()
    message = str(caught.value)
    assert message.startswith("the OUTSCALE API refused the credentials from test (access key "
                              "AKTESTACCESSKEY00000, region eu-west-2, endpoint http://127.0.0.1:")
    assert "ReadVms failed: AccessDenied (code 1)" in message and "clock" in message
    assert server.bodies() == [{"DryRun": True}, {"DryRun": True}]


def test_state_reader_waits_through_a_resource_not_listed_yet(
        server: ScriptedServer, credentials: Credentials) -> None:
    server.add(200, {"Images": []})
    server.add(200, {"Images": [{"ImageId": "ami-1", "State": "pending"}]})
    server.add(200, {"Images": [{"ImageId": "ami-1", "State": "available"}]})
    client, _ = make_client(credentials)
    read = state_reader(client, "ReadImages", "Images", {"ImageIds": ["ami-1"]})
    progress: list[str | None] = []
    final = wait_for(read, wanted={"available"}, failed={"failed"}, timeout=60,
                     describe="image ami-1", schedule=[0.0] * 5, sleep=lambda _: None,
                     on_progress=lambda state, _: progress.append(state))
    assert final == "available" and progress == [None, "pending", "available"]
    assert server.bodies()[0] == {"Filters": {"ImageIds": ["ami-1"]}}
