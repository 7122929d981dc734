"""OAPI error responses, with the codes and types of the real gateway catalogue."""

from __future__ import annotations

import functools
from importlib import resources

import yaml

# Not in gateway_errors.yaml, which has no code below 4000: authentication (1, 4120:
# measured responses quoted in the reference), throttling (6, 24, 25: OUTSCALE's
# throttling docs), an injected 5xx (2000) and a call the simulator lacks (12000).
# Every other refusal uses a catalogue code; docs/simulator-fidelity.md lists them all.
EXTRA_TYPES = {
    "1": "AccessDenied",
    "6": "ErrorOperationThrottledWholePlatform",
    "24": "ErrorOperationThrottledPerAccount",
    "25": "ErrorOperationThrottledPerCall",
    "2000": "InternalError",
    "4120": "InvalidParameterValue",
    "12000": "OperationNotSupported",
}
# Codes chosen by meaning from the catalogue, for refusals every family makes.
INVALID_PARAMETER = 4045  # invalid-parameter: a field the spec does not have
INVALID_PARAMETER_SET = 4046  # invalid-parameter-set: a combination the call refuses
INVALID_VALUE = 4047  # invalid-parameter-value
VALIDATION_ERROR = 4095  # validation-error: a field the spec requires is missing
INVALID_TYPE = 4108  # invalid-parameter-type


@functools.cache
def catalogue() -> dict[str, str]:
    text = resources.files("osc_sdk_python").joinpath("resources/gateway_errors.yaml").read_text()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries = yaml.load(text, Loader=loader)
    return {str(code): entry["Type"] for code, entry in entries.items()}


def error_type(code: str) -> str:
    return EXTRA_TYPES.get(code) or catalogue().get(code, "InvalidParameterValue")


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


def missing_set(details: str) -> ApiError:
    """A call given none (or a wrong mix) of the fields it needs in this case."""
    return ApiError(400, INVALID_PARAMETER_SET, details)


def not_found(code: int, what: str, ident: str) -> ApiError:
    return ApiError(400, code, f"The {what} '{ident}' does not exist.")


def bad_state(code: int, details: str) -> ApiError:
    return ApiError(409, code, details)


def conflict(code: int, details: str) -> ApiError:
    return ApiError(409, code, details)
