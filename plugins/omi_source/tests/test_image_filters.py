"""Every OMI filter name, owners and most_recent, against the simulator's catalogue."""

from __future__ import annotations

import pytest

from osc_build_outscale.errors import CloudError, FilterError
from osc_build_outscale.filters import IMAGE, search, select_one

VISIBLE = {"app-base-2026.01", "app-base-2026.02", "app-pending", "app-failed",
           "partner-debian-12", "partner-shared"}
BASES = {"app-base-2026.01", "app-base-2026.02"}
OURS = {"self", "Partner"}  # every owner of the test images; not the Outscale catalogue

# OAPI field (or client-side name) -> (value, or a function of the catalogue, expected names)
CASES = {
    "AccountAliases": ("Partner", {"partner-debian-12", "partner-shared"}),
    "AccountIds": (lambda cat: cat.main_id, BASES | {"app-pending", "app-failed"}),
    "Architectures": ("arm64", {"partner-shared"}),
    "BlockDeviceMappingDeleteOnVmDeletion": ("false", {"app-base-2026.02"}),
    "BlockDeviceMappingDeviceNames": ("/dev/xvdb", {"app-base-2026.01"}),
    "BlockDeviceMappingSnapshotIds": (lambda cat: cat.snapshot_id, {"partner-debian-12"}),
    "BlockDeviceMappingVolumeSizes": ("20", {"app-base-2026.01"}),
    "BlockDeviceMappingVolumeTypes": ("gp2", {"app-base-2026.02"}),
    "BootModes": ("uefi", {"app-base-2026.02"}),
    "Descriptions": ("App base*", BASES),
    "FileLocations": ("", VISIBLE),
    "Hypervisors": ("xen", VISIBLE),
    "ImageIds": (lambda cat: cat.images["app-pending"]["ImageId"], {"app-pending"}),
    "ImageNames": ("app-base-*", BASES),
    "PermissionsToLaunchAccountIds": (lambda cat: cat.main_id, {"partner-shared"}),
    "PermissionsToLaunchGlobalPermission": ("true", {"partner-debian-12"}),
    "ProductCodes": ("0002", {"app-failed"}),
    "RootDeviceNames": ("/dev/xvda", {"partner-shared"}),
    "RootDeviceTypes": ("bsu", VISIBLE),
    "SecureBoot": ("false", VISIBLE),
    "States": ("pending", {"app-pending"}),
    "TagKeys": ("Team", BASES),
    "TagValues": ("prod", {"app-base-2026.01", "app-pending", "partner-debian-12"}),
    "Tags": ("Env=staging", {"app-base-2026.02"}),
    "TpmMandatory": ("true", {"app-pending"}),
    "VirtualizationTypes": ("hvm", VISIBLE),
    "creation-date": (lambda cat: cat.images["app-failed"]["CreationDate"], {"app-failed"}),
    "image-type": ("machine", VISIBLE),
}
NOT_SIMULATED = {"ProductCodeNames"}


def names(catalogue, items) -> set[str]:
    by_id = {image["ImageId"]: name for name, image in catalogue.images.items()}
    return {by_id.get(item["ImageId"], item["ImageName"]) for item in items}


def _every_name():
    for name in IMAGE.names():
        key = name if name in IMAGE.client_side else IMAGE.aliases.get(name, name)
        if key not in NOT_SIMULATED:
            yield pytest.param(name, key, id=name)


@pytest.mark.parametrize(("name", "key"), list(_every_name()))
def test_every_filter_name_finds_what_it_names(catalogue, name, key):
    value, expected = CASES[key]
    value = value(catalogue) if callable(value) else value
    if name == "tags":
        assert "=" in value  # the Go plugin's security-group style: KEY=VALUE
    items, _ = search(catalogue.client, IMAGE, {name: value}, owners=sorted(OURS), where="w")
    assert names(catalogue, items) == expected


def test_product_code_names_reach_the_api_which_the_simulator_does_not_implement(catalogue):
    with pytest.raises(CloudError, match="ProductCodeNames"):
        search(catalogue.client, IMAGE, {"product-code-name": "x"}, owners=["self"], where="w")


@pytest.mark.parametrize(("filters", "expected"), [
    ({"tag:Env": "prod"}, {"app-base-2026.01", "app-pending", "partner-debian-12"}),
    ({"tag:Env": "prod", "tag:Team": "web"}, {"app-base-2026.01"}),
    ({"tag:Env": ["prod", "staging"], "tag:Team": "web"}, BASES),
    ({"tag:Env": "pr*"}, {"app-base-2026.01", "app-pending", "partner-debian-12"}),
    ({"tag:Env": "prod", "state": "available"}, {"app-base-2026.01", "partner-debian-12"}),
    ({"name": "*-12", "owner-alias": "Partner"}, {"partner-debian-12"}),
    ({"name": "APP-*"}, set()),
])
def test_tags_wildcards_and_combined_filters(catalogue, filters, expected):
    items, _ = search(catalogue.client, IMAGE, filters, owners=sorted(OURS), where="w")
    assert names(catalogue, items) == expected


@pytest.mark.parametrize(("owners", "expected"), [
    (["self"], BASES | {"app-pending", "app-failed"}),
    (["Partner"], {"partner-debian-12", "partner-shared"}),
    (["{partner}"], {"partner-debian-12", "partner-shared"}),
    (["self", "Partner"], VISIBLE),
    (["{main}", "Partner"], VISIBLE),
    (["Nobody"], set()),
    (["999999999999"], set()),
])
def test_owners_are_ids_aliases_or_self_and_any_may_match(catalogue, owners, expected):
    owners = [o.format(main=catalogue.main_id, partner=catalogue.partner_id) for o in owners]
    items, _ = search(catalogue.client, IMAGE, {}, owners=owners, where="w")
    assert names(catalogue, items) == expected


def test_the_public_catalogue_is_found_by_its_alias(catalogue):
    items, _ = search(catalogue.client, IMAGE, {"image-name": "Debian-12-*"},
                      owners=["Outscale"], where="w")
    assert sorted(i["ImageName"] for i in items) == ["Debian-12-2025.12.03-0",
                                                     "Debian-12-2026.01.15-0"]
    assert {i["AccountAlias"] for i in items} == {"Outscale"}
    items, _ = search(catalogue.client, IMAGE, {"image-name": "*debian*"},
                      owners=["Outscale", "Partner", "self"], where="w")
    assert [i["ImageName"] for i in items] == ["partner-debian-12"]  # case-sensitive


def test_most_recent_takes_the_latest_creation_date(catalogue):
    chosen = select_one(catalogue.client, IMAGE, {"name": "app-*"}, owners=["self"],
                        most_recent=True, where="w")
    assert chosen["ImageName"] == "app-failed"
    chosen = select_one(catalogue.client, IMAGE, {"name": "app-*", "state": "available"},
                        owners=["self"], most_recent=True, where="w")
    assert chosen["ImageName"] == "app-base-2026.02"
    # the simulator publishes its catalogue at one instant: the versioned name decides
    chosen = select_one(catalogue.client, IMAGE, {"name": "Ubuntu-24.04-*"},
                        owners=["Outscale"], most_recent=True, where="w")
    assert chosen["ImageName"] == "Ubuntu-24.04-2026.01.10-0"


def test_several_matches_without_most_recent_are_listed(catalogue):
    with pytest.raises(FilterError) as caught:
        select_one(catalogue.client, IMAGE, {"image-name": "app-*"}, owners=["self"],
                   where="source_omi_filter")
    message = str(caught.value)
    assert message.startswith("source_omi_filter: 4 OMIs match image-name = app-*, "
                              "owners = ['self']: ")
    for name in ("app-base-2026.01", "app-base-2026.02", "app-pending", "app-failed"):
        assert name in message
    assert message.index("app-failed") < message.index("app-base-2026.01")  # newest first
    assert "set most_recent = true" in message
    with pytest.raises(FilterError, match=r"and \d+ more; narrow the filters"):
        select_one(catalogue.client, IMAGE, {}, owners=["Outscale"], where="w")


def test_no_match_shows_the_filters_and_the_closest_candidates(catalogue):
    with pytest.raises(FilterError) as caught:
        select_one(catalogue.client, IMAGE, {"image-name": "app-base-2027*"},
                   owners=["self"], where="w")
    message = str(caught.value)
    assert message.startswith("w: no OMI matches image-name = app-base-2027*, "
                              "owners = ['self']; the closest OMIs of these owners: ")
    assert message.index("app-base-2026") < message.index("app-failed")
    with pytest.raises(FilterError, match="no OMI is visible for these owners"):
        select_one(catalogue.client, IMAGE, {"image-name": "x"}, owners=["Nobody"], where="w")
