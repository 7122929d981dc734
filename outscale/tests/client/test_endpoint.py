"""Endpoint forms users write, normalised to the full OAPI URL."""

from __future__ import annotations

import pytest

from osc_build_outscale.client.endpoint import normalise_endpoint, region_of_endpoint
from osc_build_outscale.errors import OutscaleConfigError


@pytest.mark.parametrize(("value", "expected"), [
    ("outscale.com/oapi/latest", "https://api.us-east-2.outscale.com/api/v1"),
    ("https://api.eu-west-2.outscale.com/oapi/latest", "https://api.eu-west-2.outscale.com/api/v1"),
    ("api.eu-west-2.outscale.com", "https://api.eu-west-2.outscale.com/api/v1"),
    ("api.eu-west-2.outscale.com/api/v1/", "https://api.eu-west-2.outscale.com/api/v1"),
    ("https://api.cloudgouv-eu-west-1.outscale.com/api/v1",
     "https://api.cloudgouv-eu-west-1.outscale.com/api/v1"),
    ("http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("localhost:3000/api/latest", "https://localhost:3000/api/latest"),
])
def test_normalise(value: str, expected: str) -> None:
    assert normalise_endpoint(value, "us-east-2", origin="option custom_endpoint_oapi") == expected


@pytest.mark.parametrize("value", ["ftp://host/api", "https://", "  "])
def test_invalid_endpoint(value: str) -> None:
    with pytest.raises(OutscaleConfigError,
                       match=r"OSC_ENDPOINT_API .* is not a valid endpoint URL"):
        normalise_endpoint(value, "eu-west-2", origin="OSC_ENDPOINT_API")


def test_region_of_endpoint() -> None:
    assert region_of_endpoint("https://api.us-west-1.outscale.com/api/v1") == "us-west-1"
    assert region_of_endpoint("http://127.0.0.1:8080/api/v1") is None
