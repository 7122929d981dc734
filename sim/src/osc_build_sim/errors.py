"""OAPI error responses, with the codes and types of the real gateway catalogue."""

from __future__ import annotations

import functools
from importlib import resources

import yaml

# Not in gateway_errors.yaml: authentication and throttling (see the docs pages).
_EXTRA_TYPES = {
    "1": "AccessDenied",
    "4": "AccessDenied",
    "6": "ErrorOperationThrottledWholePlatform",
    "24": "ErrorOperationThrottledPerAccount",
    "25": "ErrorOperationThrottledPerCall",
    "2000": "InternalError",
    "3001": "InvalidParameter",
    "4110": "InvalidParameterValue",
    "7000": "MissingParameter",
    "4120": "InvalidParameterValue",
    "4118": "InvalidParameterValue",
    "12000": "OperationNotSupported",
}


@functools.cache
def _catalogue() -> dict[str, str]:
    text = resources.files("osc_sdk_python").joinpath("resources/gateway_errors.yaml").read_text()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries = yaml.load(text, Loader=loader)
    return {str(code): entry["Type"] for code, entry in entries.items()}


def error_type(code: str) -> str:
    return _EXTRA_TYPES.get(code) or _catalogue().get(code, "InvalidParameterValue")


class ApiError(Exception):
    """An error the API answers with: HTTP status plus one OAPI ``Errors`` entry."""

    def __init__(self, status: int, code: str | int, details: str = "") -> None:
        super().__init__(details or str(code))
        self.status = status
        self.code = str(code)
        self.details = details

    def body(self, request_id: str) -> dict:
        return {
            "Errors": [{"Code": self.code, "Type": error_type(self.code), "Details": self.details}],
            "ResponseContext": {"RequestId": request_id},
        }


def invalid(details: str, code: int = 4047) -> ApiError:
    return ApiError(400, code, details)


def not_found(code: int, what: str, ident: str) -> ApiError:
    return ApiError(400, code, f"The {what} '{ident}' does not exist.")


def bad_state(code: int, details: str) -> ApiError:
    return ApiError(409, code, details)


def conflict(code: int, details: str) -> ApiError:
    return ApiError(409, code, details)
