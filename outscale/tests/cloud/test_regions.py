"""Where each omi_regions Region's keys come from, and what the user reads when none do."""

from __future__ import annotations

import json

import pytest

from osc_build_outscale.client import Credentials
from osc_build_outscale.cloud.oos import default_oos_endpoint, oos_endpoint, split_object_url
from osc_build_outscale.cloud.regions import region_credentials
from osc_build_outscale.errors import CredentialsError
from osc_build_outscale.local import simulator_options

BUILD = Credentials(access_key="AKBUILD", secret_key="SKBUILD", region="eu-west-2")


def omi_options(**values):
    """The OMI options as a build loads them (typed), with ``values`` set."""
    from osc_build.config import load_options
    from osc_build_outscale.cloud.options import OmiOptionsSchema

    return load_options(OmiOptionsSchema, {"omi_name": "web-image", **values}, where="t")


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "us-east-2": {"access_key": "AKUS", "secret_key": "SKUS", "region": "us-east-2"},
        "us-team": {"access_key": "AKTEAM", "secret_key": "SKTEAM",
                    "endpoints": {"api": "https://api.us-east-2.example.test/api/v1"}}}))
    return {"OSC_CONFIG_FILE": str(path)}


def test_the_profile_named_after_the_region_is_the_default(config_file):
    creds = region_credentials(omi_options(), "us-east-2", BUILD, env=config_file)
    assert (creds.access_key, creds.region) == ("AKUS", "us-east-2")
    assert creds.endpoint == "https://api.us-east-2.outscale.com/api/v1"
    assert creds.source.startswith("profile 'us-east-2'")


def test_omi_region_profiles_names_another_profile_with_its_endpoint(config_file):
    options = omi_options(omi_regions=["us-east-2"],
                          omi_region_profiles={"us-east-2": "us-team"})
    creds = region_credentials(options, "us-east-2", BUILD, env=config_file)
    assert creds.access_key == "AKTEAM"
    assert creds.region == "us-east-2"
    assert creds.endpoint == "https://api.us-east-2.example.test/api/v1"


def test_explicit_keys_win_and_follow_the_builds_endpoint_shape(config_file):
    build = Credentials(access_key="AK", secret_key="SK", region="eu-west-2",
                        endpoint="http://127.0.0.1:9/eu-west-2/api/v1")
    creds = region_credentials(omi_options(omi_region_credentials={"us-east-2": {
        "access_key": "AKX", "secret_key": "SKX"}}), "us-east-2", build, env=config_file)
    assert (creds.access_key, creds.endpoint) == ("AKX", "http://127.0.0.1:9/us-east-2/api/v1")
    assert creds.source == "option omi_region_credentials['us-east-2']"


def test_the_builds_environment_keys_are_never_used_for_another_region(config_file):
    env = {**config_file, "OSC_ACCESS_KEY": "AKENV", "OSC_SECRET_KEY": "SKENV"}
    with pytest.raises(CredentialsError) as caught:
        region_credentials(omi_options(), "ap-northeast-1", BUILD, env=env)
    message = str(caught.value)
    assert message.startswith("omi_regions: no credentials for Region 'ap-northeast-1' (no "
                              "omi_region_profiles entry, so the profile named "
                              "'ap-northeast-1')")
    assert "omi_region_profiles = { \"ap-northeast-1\" = \"...\" }" in message
    assert "omi_region_credentials" in message
    assert "SKUS" not in message and "SKENV" not in message


def test_a_named_profile_that_is_missing_is_named(config_file):
    with pytest.raises(CredentialsError, match="omi_region_profiles names profile 'nope'"):
        region_credentials(omi_options(omi_regions=["us-east-2"],
                                       omi_region_profiles={"us-east-2": "nope"}),
                           "us-east-2", BUILD, env=config_file)


def test_oos_endpoints_default_to_outscales_public_ones():
    assert oos_endpoint(omi_options(), "eu-west-2") == default_oos_endpoint("eu-west-2") == (
        "https://oos.eu-west-2.outscale.com")
    assert oos_endpoint(omi_options(oos_endpoints={"eu-west-2": "http://127.0.0.1:7/"}),
                        "eu-west-2") == "http://127.0.0.1:7"


def test_a_manifest_url_is_split_into_bucket_and_key():
    assert split_object_url("http://127.0.0.1:7/b/osc-build/ami-1/t%201.manifest.json",
                            "http://127.0.0.1:7") == ("b", "osc-build/ami-1/t 1.manifest.json")
    assert split_object_url("https://oos.eu-west-2.outscale.com/b/k",
                            "https://oos.eu-west-2.outscale.com") == ("b", "k")


def test_local_gives_each_region_its_own_keys_and_oos():
    state = {"region": "eu-west-2", "endpoint": "http://127.0.0.1:1/api/v1",
             "access_key": "AK", "secret_key": "SK",
             "regions": {"eu-west-2": "x", "us-east-2": "y"},
             "region_accounts": {"us-east-2": {"access_key": "AKUS", "secret_key": "SKUS"}},
             "oos_endpoints": {"eu-west-2": "http://127.0.0.1:5", "us-east-2": "http://127.0.0.1:6"}}
    options = simulator_options({"omi_regions": ["us-east-2"],
                                 "omi_region_profiles": {"us-east-2": "mine"}}, state)
    assert "omi_region_profiles" not in options
    assert options["omi_region_credentials"]["us-east-2"] == {
        "access_key": "AKUS", "secret_key": "SKUS",
        "custom_endpoint_oapi": "http://127.0.0.1:1/us-east-2/api/v1"}
    assert options["omi_region_credentials"]["eu-west-2"]["access_key"] == "AK"
    assert options["oos_endpoints"] == state["oos_endpoints"]


def test_a_presigned_urls_signature_is_a_secret():
    from osc_build.log import redact
    from osc_build_outscale.cloud.oos import presign, s3_client

    client = s3_client("http://127.0.0.1:9", BUILD)
    url = presign(client, "bucket", "osc-build/ami-1/t.manifest.json")
    signature = url.rsplit("X-Amz-Signature=", 1)[1].split("&")[0]
    assert signature not in redact(f"CreateImage FileLocation={url}")
