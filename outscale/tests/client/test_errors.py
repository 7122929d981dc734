"""Translation of API answers into CloudError: fields, message and hints."""

from __future__ import annotations

import json
from typing import Any

import requests

from osc_build_outscale.client.errors import CLOCK_HINT, PERMISSION_HINT, from_http_error


def response(status: int, body: Any, content_type: str = "application/json") -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    answer.headers["Content-Type"] = content_type
    answer.reason = {401: "Unauthorized", 503: "Service Unavailable"}.get(status, "")
    return answer


def oapi(code: str, type_: str, details: str = "", request_id: str = "rid") -> dict[str, Any]:
    return {"Errors": [{"Code": code, "Type": type_, "Details": details}],
            "ResponseContext": {"RequestId": request_id}}


def test_fields_and_message() -> None:
    error = from_http_error("CreateImage", response(409, oapi(
        "9015", "ResourceConflict", "An image with this name already exists.", "abc-123")))
    assert (error.operation, error.status, error.code, error.type, error.request_id) == \
        ("CreateImage", 409, "9015", "ResourceConflict", "abc-123")
    assert error.details == "An image with this name already exists."
    assert str(error) == ("CreateImage failed: ResourceConflict (code 9015): An image with this "
                          "name already exists. [request id abc-123]")


def test_bad_signature_adds_the_clock_hint() -> None:
    error = from_http_error("ReadVms", response(401, oapi("1", "AccessDenied")))
    assert str(error) == f"ReadVms failed: AccessDenied (code 1) [request id rid]; {CLOCK_HINT}"


def test_unknown_access_key_adds_the_clock_hint() -> None:
    error = from_http_error("ReadVms", response(400, oapi("4120", "InvalidParameterValue")))
    assert str(error).endswith(CLOCK_HINT)


def test_missing_permission_gets_the_permission_hint_not_the_clock() -> None:
    error = from_http_error("CreateVms", response(403, oapi(
        "4", "AccessDenied", "You are not authorized to perform this action.")))
    assert str(error).endswith(PERMISSION_HINT)
    assert "clock" not in str(error)


def test_plain_text_server_error() -> None:
    error = from_http_error("ReadImages", response(503, "upstream overloaded", "text/plain"),
                            attempts=5)
    assert (error.status, error.code, error.type) == (503, "", "Service Unavailable")
    assert str(error) == ("ReadImages failed: Service Unavailable: upstream overloaded; the API "
                          "had an internal error; retry later (gave up after 5 attempts)")


def test_problem_json_body() -> None:
    error = from_http_error("ReadVms", response(401, {"title": "Unauthorized",
                                                      "detail": "bad credentials"},
                                                "application/problem+json"))
    assert error.type == "Unauthorized" and error.details == "bad credentials"
    assert str(error).endswith(CLOCK_HINT)
