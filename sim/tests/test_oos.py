"""OOS: each Region's S3-compatible storage, driven with boto3 over HTTP on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from osc_build_sim.oos.client import s3_client
from osc_build_sim.testing import oos_client, region_credentials, running_simulator

OTHER_REGION = "us-east-2"


@pytest.fixture
def sim(tmp_path):
    profile = tmp_path / "osc" / "config.json"
    with running_simulator(tmp_path / "sim", write_profile=profile) as handle:
        handle.profile_file = profile
        yield handle


def test_bucket_put_get_and_presigned_url(sim):
    s3 = oos_client(sim, sim.region)
    s3.create_bucket(Bucket="builds", CreateBucketConfiguration={
        "LocationConstraint": sim.region})
    s3.put_object(Bucket="builds", Key="dir/hello world.txt", Body=b"hello OOS")
    got = s3.get_object(Bucket="builds", Key="dir/hello world.txt")["Body"].read()
    assert got == b"hello OOS"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="builds")["Contents"]] == [
        "dir/hello world.txt"]

    url = s3.generate_presigned_url("get_object", ExpiresIn=600,
                                    Params={"Bucket": "builds", "Key": "dir/hello world.txt"})
    assert url.startswith(sim.oos_endpoints[sim.region])
    with urllib.request.urlopen(url, timeout=10) as response:  # no credentials but the URL's
        assert response.read() == b"hello OOS"


def test_each_region_has_its_own_endpoint_and_buckets(sim):
    assert set(sim.oos_endpoints) == set(sim.regions)
    assert len(set(sim.oos_endpoints.values())) == len(sim.regions)
    here, there = oos_client(sim, sim.region), oos_client(sim, OTHER_REGION)
    here.create_bucket(Bucket="only-here", CreateBucketConfiguration={
        "LocationConstraint": sim.region})
    assert "only-here" not in [b["Name"] for b in there.list_buckets()["Buckets"]]
    # The same name is free in another Region: they are separate services.
    there.create_bucket(Bucket="only-here", CreateBucketConfiguration={
        "LocationConstraint": OTHER_REGION})


def test_an_unknown_access_key_is_refused(sim):
    stranger = s3_client(sim.oos_endpoints[sim.region], sim.region, "AKNOTAKEY0000000000",
                         "secret")
    with pytest.raises(ClientError) as refused:
        stranger.list_buckets()
    assert refused.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(f"{sim.oos_endpoints[sim.region]}/", timeout=10)
    assert anonymous.value.code == 403


def test_objects_and_endpoints_survive_a_restart_and_a_crash(sim):
    s3 = oos_client(sim, sim.region)
    s3.create_bucket(Bucket="kept", CreateBucketConfiguration={
        "LocationConstraint": sim.region})
    s3.put_object(Bucket="kept", Key="a", Body=b"first")
    s3.put_object(Bucket="kept", Key="gone", Body=b"deleted before the restart")
    s3.delete_object(Bucket="kept", Key="gone")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "kept", "Key": "a"})
    endpoints = dict(sim.oos_endpoints)

    sim.restart()
    assert json.loads((sim.data_dir / "state.json").read_text())["oos_endpoints"] == endpoints
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="kept")["Contents"]] == ["a"]
    with urllib.request.urlopen(url, timeout=10) as response:  # pre-signed before: still good
        assert response.read() == b"first"

    s3.put_object(Bucket="kept", Key="b", Body=b"written just before a crash")
    sim.kill()
    sim.restart()
    assert s3.get_object(Bucket="kept", Key="b")["Body"].read() == b"written just before a crash"


def test_profile_and_state_name_each_regions_oos(sim):
    profile = json.loads(sim.profile_file.read_text())["osc-build-sim"]
    assert profile["endpoints"]["oos"] == sim.oos_endpoints[sim.region]
    assert region_credentials(sim, sim.region)[0] == profile["access_key"]
    from osc_sdk_python import Gateway  # osc-sdk-python takes a profile with endpoints.oos
    loaded = Gateway(path=str(sim.profile_file), profile="osc-build-sim")
    assert loaded.access_key() == profile["access_key"]


def test_reset_wipes_the_buckets(sim):
    s3 = oos_client(sim, sim.region)
    s3.create_bucket(Bucket="wiped", CreateBucketConfiguration={
        "LocationConstraint": sim.region})
    sim.stop()
    reset = subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir",
                            str(sim.data_dir), "reset"], capture_output=True, text=True)
    assert reset.returncode == 0, reset.stderr
    sim.restart()
    assert s3.list_buckets()["Buckets"] == []
