"""Regions as OUTSCALE has them: each Region its own accounts, keys and endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from osc_build_sim.testing import free_port, running_simulator, signed_post

OTHER = "us-east-2"


def error(response):
    body = response.json()
    return response.status_code, body["Errors"][0]["Code"], body["Errors"][0]["Type"]


def test_every_region_has_its_own_account_keys_and_endpoint(simulator_session):
    sim = simulator_session
    accounts = sim.region_accounts
    assert set(accounts) == set(sim.regions) >= {"eu-west-2", OTHER}
    assert len({a["account_id"] for a in accounts.values()}) == len(accounts)
    assert len({a["access_key"] for a in accounts.values()}) == len(accounts)
    assert len({a["endpoint"] for a in accounts.values()}) == len(accounts)
    # The top-level keys stay the default Region's account, as before.
    default = accounts[sim.region]
    assert (default["access_key"], default["secret_key"], default["account_id"],
            default["endpoint"]) == (sim.access_key, sim.secret_key, sim.account_id,
                                     sim.endpoint)
    assert all(accounts[name]["endpoint"] == sim.regions[name] for name in accounts)


def test_a_key_of_one_region_is_refused_in_another(simulator_session):
    sim = simulator_session
    other = sim.region_accounts[OTHER]
    # Signed correctly for us-east-2, sent to us-east-2, but with eu-west-2's key.
    response = signed_post(sim, "ReadVms", {}, region=OTHER, endpoint=other["endpoint"],
                           access_key=sim.access_key, secret_key=sim.secret_key)
    assert error(response) == (400, "4120", "InvalidParameterValue")
    assert "Region eu-west-2" in response.json()["Errors"][0]["Details"]
    assert sim.secret_key not in response.text
    # And the other way round.
    response = signed_post(sim, "ReadVms", {}, region=sim.region, endpoint=sim.endpoint,
                           access_key=other["access_key"], secret_key=other["secret_key"])
    assert error(response) == (400, "4120", "InvalidParameterValue")
    # Each key works in its own Region.
    assert signed_post(sim, "ReadVms", {}, region=OTHER).status_code == 200
    assert signed_post(sim, "ReadVms", {}).status_code == 200


def test_resources_are_per_region(simulator_session):
    sim = simulator_session
    here, there = sim.gateway(), sim.gateway(region=OTHER)
    name = f"regions-{time.monotonic_ns()}"
    here.CreateKeypair(KeypairName=name)
    try:
        names = {k["KeypairName"] for k in there.ReadKeypairs()["Keypairs"]}
        assert name not in names
        there.CreateKeypair(KeypairName=name)  # no clash: another Region, another account
        there.DeleteKeypair(KeypairName=name)
    finally:
        here.DeleteKeypair(KeypairName=name)
    accounts = there.ReadAccounts()["Accounts"]
    assert [a["AccountId"] for a in accounts] == [sim.region_accounts[OTHER]["account_id"]]


def _public_image(gateway) -> dict:
    return gateway.ReadImages(Filters={"ImageNames": ["Debian-12-*"]})["Images"][0]


def test_direct_cross_region_copy_is_refused(simulator_session):
    sim = simulator_session
    source = _public_image(sim.gateway())
    response = signed_post(sim, "CreateImage", {
        "SourceImageId": source["ImageId"], "SourceRegionName": sim.region,
        "ImageName": f"cross-{time.monotonic_ns()}"}, region=OTHER)
    assert error(response) == (400, "4047", "InvalidParameterValue")
    details = response.json()["Errors"][0]["Details"]
    assert "Region of your account" in details and "CreateImageExportTask" in details
    # In its own Region, SourceRegionName (the same Region) copies as documented.
    same = signed_post(sim, "CreateImage", {
        "SourceImageId": source["ImageId"], "SourceRegionName": sim.region,
        "ImageName": f"same-{time.monotonic_ns()}"})
    assert same.status_code == 200, same.text
    sim.gateway().DeleteImage(ImageId=same.json()["Image"]["ImageId"])


def test_cross_region_snapshot_copy_is_refused(simulator_session):
    sim = simulator_session
    response = signed_post(sim, "CreateSnapshot", {
        "SourceSnapshotId": "snap-12345678", "SourceRegionName": sim.region}, region=OTHER)
    assert error(response) == (400, "4047", "InvalidParameterValue")


@pytest.mark.parametrize("minutes", [20, -20])
def test_a_clock_20_minutes_off_is_refused(simulator_session, minutes):
    from datetime import timedelta
    response = signed_post(simulator_session, "ReadVms", {}, skew=timedelta(minutes=minutes))
    assert error(response) == (401, "1", "AccessDenied")
    assert "5 minutes" in response.json()["Errors"][0]["Details"]


def test_write_profile_writes_one_profile_per_region(tmp_path, monkeypatch):
    from osc_sdk_python import Gateway
    profiles = tmp_path / "osc" / "config.json"
    profiles.parent.mkdir()
    profiles.write_text(json.dumps({"mine": {"access_key": "AK", "secret_key": "SK"}}))
    with running_simulator(tmp_path / "sim", write_profile=profiles,
                           profile_name="sim") as sim:
        written = json.loads(profiles.read_text())
        assert written["mine"] == {"access_key": "AK", "secret_key": "SK"}  # kept
        assert set(written) == {"mine", "sim", *(f"sim-{r}" for r in sim.regions)}
        assert written["sim"] == written[f"sim-{sim.region}"]
        for region, entry in sim.region_accounts.items():
            assert written[f"sim-{region}"] == {
                "access_key": entry["access_key"], "secret_key": entry["secret_key"],
                "region": region, "endpoints": {"api": entry["endpoint"],
                                                "oos": sim.oos_endpoints[region]}}
        for name in ("OSC_ACCESS_KEY", "OSC_SECRET_KEY", "OSC_REGION", "OSC_ENDPOINT_API"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("OSC_CONFIG_FILE", str(profiles))
        monkeypatch.setenv("OSC_PROFILE", f"sim-{OTHER}")
        gateway = Gateway(max_retries=0)  # osc-sdk-python reads the profile as users do
        [account] = gateway.ReadAccounts()["Accounts"]
        assert account["AccountId"] == sim.region_accounts[OTHER]["account_id"]


def test_serve_json_shows_each_regions_credentials_but_no_secret_key(tmp_path):
    port, tls_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "osc_build_sim", "--data-dir", str(tmp_path), "serve",
         "--json", "--port", str(port), "--tls-port", str(tls_port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = next(x for x in process.stdout if x.startswith("{"))
    finally:
        process.terminate()
        process.wait(timeout=20)
    state = json.loads(line)
    assert set(state["region_accounts"]) == set(state["regions"])
    default = state["region_accounts"][state["region"]]
    assert (default["access_key"], default["account_id"]) == (state["access_key"],
                                                              state["account_id"])
    config = json.loads((tmp_path / "config.json").read_text())
    assert {a["region"] for a in config["accounts"]} == set(state["regions"])
    # `osc-build build --local` logs this line: the secret keys stay in the 0600 state file
    secrets = [key["secret_key"] for a in config["accounts"] for key in a["access_keys"]]
    assert secrets and not any(secret in line for secret in secrets)
    assert state["secret_keys_in"] == str(tmp_path / "state.json")


def test_an_older_config_gains_one_account_per_region(tmp_path):
    config = {"accounts": [{"account_id": "123456789012", "email": "me@example.invalid",
                            "access_keys": [{"access_key": "OLDACCESSKEY00000001",
                                             "secret_key": "S" * 40}]}]}
    with running_simulator(tmp_path / "sim", config=config) as sim:
        assert sim.access_key == "OLDACCESSKEY00000001"  # still the default Region's
        assert sim.region_accounts[OTHER]["access_key"] != sim.access_key
        assert sim.gateway(region=OTHER).ReadAccounts()["Accounts"]
    rewritten = json.loads((tmp_path / "sim" / "config.json").read_text())
    assert {a.get("region", "eu-west-2") for a in rewritten["accounts"]} == set(sim.regions)
