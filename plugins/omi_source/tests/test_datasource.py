"""The outscale-omi data source: options, outputs, access options and every error."""

from __future__ import annotations

import pytest

from osc_build.errors import ConfigError
from osc_build.template_plans import run_datasource
from osc_build_outscale.errors import CloudError, CredentialsError, FilterError


@pytest.fixture
def sim_env(catalogue, monkeypatch):
    for key in ("OSC_PROFILE", "OSC_CONFIG_FILE", "OSC_ACCESS_KEY", "OSC_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    for key, value in catalogue.sim.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", "/nonexistent")  # no ~/.osc/config.json from this machine
    return catalogue


def omi(**config):
    return run_datasource("outscale-omi", "base", config)


def test_outputs_describe_the_image(sim_env):
    out = omi(filters={"image-name": "app-base-2026.01"}, owners=["self"])
    image = sim_env.images["app-base-2026.01"]
    assert out == {
        "id": image["ImageId"], "name": "app-base-2026.01",
        "creation_date": image["CreationDate"], "owner": sim_env.main_id,
        "owner_name": "builders", "tags": {"Env": "prod", "Team": "web"},
        "description": "App base", "state": "available", "architecture": "x86_64",
        "root_device_name": "/dev/sda1", "root_device_type": "bsu",
        "block_device_mappings": [
            {"device_name": "/dev/sda1", "snapshot_id": "", "volume_size": 20,
             "volume_type": "standard", "iops": None, "delete_on_vm_deletion": True},
            {"device_name": "/dev/xvdb", "snapshot_id": "", "volume_size": 5,
             "volume_type": "standard", "iops": None, "delete_on_vm_deletion": True}],
        "boot_modes": ["legacy"], "product_codes": ["0001"]}


def test_filter_blocks_add_to_the_filters_map(sim_env):
    out = omi(filters={"name": "app-*"}, owners=["self"],
              filter=[{"name": "tag:Team", "value": "web"},
                      {"name": "state", "value": ["available", "pending"]},
                      {"name": "tag:Env", "value": "staging"}])
    assert out["name"] == "app-base-2026.02"
    assert out["boot_modes"] == ["uefi"]
    out = omi(filter=[{"name": "name", "value": "partner-*"}], owners=["Partner", "self"],
              most_recent=True)
    assert out["name"] == "partner-shared" and out["owner_name"] == "Partner"
    assert out["block_device_mappings"][0]["device_name"] == "/dev/xvda"


def test_owners_may_be_left_out_when_a_filter_names_the_owner_or_the_image(sim_env):
    assert omi(filters={"owner-alias": "Partner", "name": "*-12"})["name"] == "partner-debian-12"
    image_id = sim_env.images["app-failed"]["ImageId"]
    assert omi(filters={"image-id": image_id})["state"] == "failed"


def test_access_options_of_the_block_are_honoured(sim_env):
    partner = {"access_key": "PARTNERACCESSKEY0001",
               "secret_key": "PARTNERSECRETKEY000000000000000000000001",
               "custom_endpoint_oapi": sim_env.sim.endpoint, "region": sim_env.sim.region}
    out = omi(filters={"name": "partner-*"}, owners=["self"], most_recent=True, **partner)
    assert out["name"] == "partner-private"  # only its owner sees it
    with pytest.raises(FilterError, match="no OMI matches name = partner-private"):
        omi(filters={"name": "partner-private"}, owners=["Partner"])  # the env's account
    with pytest.raises((CloudError, CredentialsError)):
        omi(filters={"name": "x"}, owners=["self"],
            **{**partner, "secret_key": "WRONGSECRETKEY00000000000000000000000001"})


@pytest.mark.parametrize(("config", "message"), [
    ({"filters": {"nme": "x"}, "owners": ["self"]},
     "data.outscale-omi.base: filters: unknown OMI filter 'nme' (did you mean 'name'?); "
     "valid names: "),
    ({"filter": [{"name": "image-nam", "value": "x"}], "owners": ["self"]},
     "data.outscale-omi.base: filters: unknown OMI filter 'image-nam' "
     "(did you mean 'image-name'?)"),
    ({"filter": [{"name": "image-name"}], "owners": ["self"]},
     "data.outscale-omi.base: filter[0].value: missing data for required field"),
    ({"filters": {"is-public": "yes"}, "owners": ["self"]},
     "data.outscale-omi.base: filters: filter 'is-public': "
     "PermissionsToLaunchGlobalPermission takes one value, true or false"),
    ({"filters": {"name": "x"}},
     "data.outscale-omi.base: owners: give the owners of the OMI"),
    ({"filters": {"name": "x"}, "owners": ["self"], "most_recnt": True},
     "data.outscale-omi.base: most_recnt: unknown option (did you mean 'most_recent'?)"),
])
def test_bad_options_are_refused_before_any_call(catalogue, config, message):
    with pytest.raises(ConfigError) as caught:
        omi(**config)
    assert message in str(caught.value)


def test_no_match_and_several_matches_show_filters_and_candidates(sim_env):
    with pytest.raises(FilterError) as caught:
        omi(filters={"name": "app-base-2025*"}, filter=[{"name": "state", "value": "available"}],
            owners=["self"])
    message = str(caught.value)
    assert message.startswith("data.outscale-omi: no OMI matches name = app-base-2025*, "
                              "state = available, owners = ['self']; the closest OMIs")
    assert "app-base-2026.01" in message
    with pytest.raises(FilterError) as caught:
        omi(filters={"tag:Env": "prod"}, owners=["self", "Partner"])
    message = str(caught.value)
    assert "3 OMIs match tag:Env = prod, owners = ['self', 'Partner']" in message
    assert "set most_recent = true" in message
    assert omi(filters={"tag:Env": "prod"}, owners=["self", "Partner"],
               most_recent=True)["name"] == "partner-debian-12"


@pytest.mark.parametrize(("config", "message"), [
    ({"filters": {"name": "x"}, "owners": ["1234"]},
     "data.outscale-omi.base: owners[0]: '1234' is not an account id: an account id is 12 "
     "digits, e.g. 123456789012; give account ids (12 digits), aliases such as Outscale, or "
     "self"),
    ({"filters": {"name": "x"}, "owners": ["self", " "]},
     "data.outscale-omi.base: owners[1]: an empty owner; give account ids"),
    ({"filters": {"name": "x"}, "owners": ["Self"]},
     "owners[0]: 'Self': write self in lower case"),
    ({"filters": {"name": "x"}, "owners": ["ami-12345678"]},
     "owners[0]: 'ami-12345678' is a resource id, not an owner; give account ids (12 digits), "
     "aliases such as Outscale, or self (an OMI id goes in filters"),
    ({"filters": {"image-id": "ami-1234"}},
     "data.outscale-omi.base: filters: filter 'image-id': 'ami-1234' is not an OMI id: write "
     "ami- and 8 hexadecimal digits, e.g. ami-12345678"),
    ({"filter": [{"name": "ImageIds", "value": ["ami-12345678", "Debian-12"]}]},
     "filters: filter 'ImageIds': 'Debian-12' is not an OMI id"),
    ({"filters": {"owner-id": "1234-5678-9012"}},
     "filters: filter 'owner-id': '1234-5678-9012' is not an account id: an account id is 12 "
     "digits"),
    ({"filters": {"block-device-mapping.snapshot-id": "snapshot-1"}, "owners": ["self"]},
     "filters: filter 'block-device-mapping.snapshot-id': 'snapshot-1' is not a snapshot id"),
    ({"filters": {"name": "x"}, "owners": ["self"], "region": "eu-west-3"},
     "data.outscale-omi.base: region: 'eu-west-3' is not an OUTSCALE region; use one of "
     "eu-west-2"),
])
def test_ids_owners_and_regions_are_checked_before_any_call(catalogue, monkeypatch, config,
                                                             message):
    monkeypatch.delenv("OSC_ENDPOINT_API", raising=False)
    monkeypatch.delenv("OUTSCALE_OAPI_URL", raising=False)
    monkeypatch.setenv("HOME", "/nonexistent")
    before = len(catalogue.sim.requests())
    with pytest.raises(ConfigError) as caught:
        omi(**config)
    assert message in str(caught.value)
    assert len(catalogue.sim.requests()) == before


def test_wildcards_and_custom_endpoint_regions_are_left_to_the_api(sim_env):
    out = omi(filters={"image-id": "ami-*", "name": "app-base-2026.01"}, owners=["self"],
              region=sim_env.sim.region, custom_endpoint_oapi=sim_env.sim.endpoint)
    assert out["name"] == "app-base-2026.01"


def test_x509_files_of_the_block_are_checked(catalogue, tmp_path):
    cert = tmp_path / "client.crt"
    cert.write_text("not a certificate\n")
    with pytest.raises(ConfigError) as caught:
        omi(filters={"name": "x"}, owners=["self"], x509_cert_path=str(cert))
    assert (f"data.outscale-omi.base: x509_cert_path: file '{cert}' is not a PEM certificate"
            in str(caught.value))
