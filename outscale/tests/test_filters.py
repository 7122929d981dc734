"""The shared filter engine: names and values, the OAPI contract, and Nets/Subnets/groups
found on the simulator through every filter name."""

from __future__ import annotations

import pytest

from osc_build_outscale.client import OscClient, resolve_credentials
from osc_build_outscale.errors import FilterError
from osc_build_outscale.filters import (
    IMAGE,
    INTEGERS,
    KINDS,
    NET,
    SECURITY_GROUP,
    SUBNET,
    build_filters,
    build_query,
    glob_match,
    merge_filters,
    owner_queries,
    search,
    select_one,
)
from osc_build_sim.spec import default_spec
from osc_build_sim.testing import running_simulator

SPEC_SCHEMAS = {IMAGE: "FiltersImage", NET: "FiltersNet", SUBNET: "FiltersSubnet",
                SECURITY_GROUP: "FiltersSecurityGroup"}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.label)
def test_oapi_fields_are_exactly_the_spec_filters_with_their_types(kind):
    properties = default_spec().raw["components"]["schemas"][SPEC_SCHEMAS[kind]]["properties"]
    assert set(kind.fields) == set(properties)
    for name, type_ in kind.fields.items():
        spec = properties[name]
        if spec["type"] == "boolean":
            assert type_ == "boolean", name
        else:
            item = spec.get("items", {}).get("type", "string")
            assert type_ == (INTEGERS if item == "integer" else "strings"), name
    assert set(kind.aliases.values()) <= set(kind.fields)
    assert not set(kind.client_side) & (set(kind.fields) | set(kind.aliases))


@pytest.mark.parametrize(("kind", "filters", "expected"), [
    (IMAGE, {"image-name": "Debian-12-*", "owner-alias": "Outscale"},
     {"ImageNames": ["Debian-12-*"], "AccountAliases": ["Outscale"]}),
    (IMAGE, {"name": ["a", "b"], "ImageNames": "b"}, {"ImageNames": ["a", "b"]}),
    (IMAGE, {"is-public": "TRUE", "block-device-mapping.volume-size": "10"},
     {"PermissionsToLaunchGlobalPermission": True, "BlockDeviceMappingVolumeSizes": [10]}),
    (IMAGE, {"SecureBoot": False, "virtualization-type": "hvm"},
     {"SecureBoot": False, "VirtualizationTypes": ["hvm"]}),
    (IMAGE, {"tag:Team": ["web", "db"], "tag-key": "Env"},
     {"Tags": ["Team=web", "Team=db"], "TagKeys": ["Env"]}),
    (NET, {"vpc-id": "vpc-1", "is-default": "false", "cidr": "10.0.0.0/16"},
     {"NetIds": ["vpc-1"], "IsDefault": False, "IpRanges": ["10.0.0.0/16"]}),
    (SUBNET, {"availability-zone": "eu-west-2a", "available-ips-counts": ["11", 12]},
     {"SubregionNames": ["eu-west-2a"], "AvailableIpsCounts": [11, 12]}),
    (SECURITY_GROUP, {"security_group_names": "packer-*", "group-id": "sg-1", "tags": "a=b"},
     {"SecurityGroupNames": ["packer-*"], "SecurityGroupIds": ["sg-1"], "Tags": ["a=b"]}),
])
def test_names_and_values_translate_to_oapi_filters(kind, filters, expected):
    assert build_filters(kind, filters, where="source_omi_filter") == expected


def test_unknown_name_names_where_the_filter_the_valid_names_and_the_closest():
    with pytest.raises(FilterError) as caught:
        build_filters(IMAGE, {"image-nme": "x"}, where="source_omi_filter")
    message = str(caught.value)
    assert message.startswith("source_omi_filter: unknown OMI filter 'image-nme'")
    assert "did you mean 'image-name'?" in message
    assert "owner-alias" in message and "ImageNames" in message and "tag:KEY" in message
    with pytest.raises(FilterError, match="unknown Net filter 'security_group_ids'"):
        build_filters(NET, {"security_group_ids": "sg-1"}, where="net_filter")


@pytest.mark.parametrize(("kind", "filters", "error"), [
    (IMAGE, {"is-public": "maybe"}, "takes one value, true or false"),
    (IMAGE, {"is-public": ["true", "false"]}, "takes one value, true or false"),
    (SUBNET, {"available-ips-counts": "1*"}, "takes whole numbers"),
    (IMAGE, {"image-name": {"a": 1}}, "expected a string or a list of strings"),
    (IMAGE, {"image-name": []}, "expected a string or a list of strings"),
    (IMAGE, {"image-name": None}, "expected a string or a list of strings"),
])
def test_bad_values_are_refused_with_the_filter_named(kind, filters, error):
    with pytest.raises(FilterError, match=error) as caught:
        build_filters(kind, filters, where="w")
    assert f"w: filter {next(iter(filters))!r}" in str(caught.value)


@pytest.mark.parametrize(("kind", "filters", "names"), [
    (SECURITY_GROUP, {"owner-id": "1"}, "owner-id"),
    (NET, {"tag:Env": "prod", "tag:Team": "web"}, "tag:Env, tag:Team"),
    (IMAGE, {"creation-date": "2026-*", "name": "x"}, "creation-date"),
])
def test_build_filters_refuses_what_only_the_answers_can_check(kind, filters, names):
    with pytest.raises(FilterError) as caught:
        build_filters(kind, filters, where="net_filter")
    assert str(caught.value).startswith(f"net_filter: {names} cannot be sent to the API")
    assert build_query(kind, filters, where="w").answer_only == names.split(", ")


def test_both_true_and_false_for_a_boolean_is_refused():
    with pytest.raises(FilterError, match="both true and false"):
        build_filters(IMAGE, [("is-public", "true"), ("PermissionsToLaunchGlobalPermission",
                                                      "false")], where="w")


@pytest.mark.parametrize(("candidate", "wanted", "expected"), [
    ("Debian-12-2026", "Debian-12-*", True), ("Debian-12-2026", "debian-12-*", False),
    ("Debian-12-2026", "Debian-12", False), ("x.y", "x*y", True), ("xay", "x.y", False),
    ("a(b)", "a(b)", True), ("abc", "*b*", True), ("abc", "*d*", False), (True, "true", True),
    ("", "*", True), ("a\nb", "a*b", True),
])
def test_wildcards_are_anchored_and_case_sensitive(candidate, wanted, expected):
    assert glob_match(candidate, wanted) is expected


def test_filter_blocks_follow_the_map_and_bad_blocks_are_refused():
    pairs = merge_filters({"name": "a"}, [{"name": "tag:Env", "value": "prod"}], where="w")
    assert pairs == [("name", "a"), ("tag:Env", "prod")]
    with pytest.raises(FilterError, match=r"w: filter\[0\]: a filter block needs exactly"):
        merge_filters({}, [{"name": "image-name"}], where="w")


def test_owners_split_into_one_request_per_kind_of_owner():
    query = build_query(IMAGE, {"image-name": "x"}, where="w")
    requests = owner_queries(query, ["Outscale", "123456789012", "self"], account_id="999",
                             where="w")
    assert requests == [{"ImageNames": ["x"], "AccountIds": ["123456789012", "999"]},
                        {"ImageNames": ["x"], "AccountAliases": ["Outscale"]}]
    with pytest.raises(FilterError, match="owner 'self' needs"):
        owner_queries(query, ["self"], account_id=None, where="w")
    with pytest.raises(FilterError, match="an empty owner"):
        owner_queries(query, [" "], account_id=None, where="w")
    with pytest.raises(FilterError, match="w: owners apply to OMIs only, not to Nets"):
        owner_queries(build_query(NET, {}, where="w"), ["self"], account_id="1", where="w")


def test_owners_and_an_owner_filter_keep_only_what_both_allow():
    query = build_query(IMAGE, {"owner-id": ["1", "2"]}, where="w")
    assert owner_queries(query, ["2", "3"], account_id=None, where="w") == [
        {"AccountIds": ["2"]}]
    assert owner_queries(query, ["3"], account_id=None, where="w") == []


# Against the simulator: every Net, Subnet and security-group filter name.

@pytest.fixture(scope="module")
def network(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("filters-sim")) as sim:
        client = OscClient(resolve_credentials({}, env=sim.env()))
        made: dict[str, dict] = {}

        def tag(ident: str, **tags: str) -> None:
            client.call("CreateTags", ResourceIds=[ident],
                        Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        made["net-a"] = client.call("CreateNet", IpRange="10.1.0.0/16")["Net"]
        made["net-b"] = client.call("CreateNet", IpRange="10.2.0.0/16")["Net"]
        tag(made["net-a"]["NetId"], Env="prod", Team="web")
        tag(made["net-b"]["NetId"], Env="dev", Team="web")
        made["subnet-a"] = client.call("CreateSubnet", NetId=made["net-a"]["NetId"],
                                       IpRange="10.1.1.0/24",
                                       SubregionName=f"{sim.region}a")["Subnet"]
        made["subnet-b"] = client.call("CreateSubnet", NetId=made["net-b"]["NetId"],
                                       IpRange="10.2.1.0/28",
                                       SubregionName=f"{sim.region}b")["Subnet"]
        tag(made["subnet-a"]["SubnetId"], Env="prod")
        tag(made["subnet-b"]["SubnetId"], Env="dev")
        made["sg-a"] = client.call("CreateSecurityGroup", SecurityGroupName="packer-a",
                                   Description="builder ssh", NetId=made["net-a"]["NetId"]
                                   )["SecurityGroup"]
        made["sg-b"] = client.call("CreateSecurityGroup", SecurityGroupName="other-b",
                                   Description="web", NetId=made["net-b"]["NetId"]
                                   )["SecurityGroup"]
        client.call("CreateSecurityGroupRule", SecurityGroupId=made["sg-a"]["SecurityGroupId"],
                    Flow="Inbound", IpProtocol="tcp", FromPortRange=22, ToPortRange=22,
                    IpRange="10.0.0.0/8")
        tag(made["sg-a"]["SecurityGroupId"], Env="prod")
        tag(made["sg-b"]["SecurityGroupId"], Env="dev")
        yield client, made, sim


def _get(label: str, key: str):
    return lambda made: made[label][key]


BOTH = {"a", "b"}
# OAPI field -> (value, or a function of the made resources, expected suffixes)
CASES = {
    NET: {"NetIds": (_get("net-a", "NetId"), {"a"}), "IpRanges": ("10.2.0.0/16", {"b"}),
          "States": ("available", BOTH), "IsDefault": ("false", BOTH),
          "DhcpOptionsSetIds": (_get("net-b", "DhcpOptionsSetId"), {"b"}),
          "TagKeys": ("Team", BOTH), "TagValues": ("dev", {"b"}), "Tags": ("Env=prod", {"a"})},
    SUBNET: {"SubnetIds": (_get("subnet-b", "SubnetId"), {"b"}),
             "NetIds": (_get("net-a", "NetId"), {"a"}), "IpRanges": ("10.1.*", {"a"}),
             "States": ("available", BOTH), "SubregionNames": ("*b", {"b"}),
             "AvailableIpsCounts": ("11", {"b"}), "TagKeys": ("Env", BOTH),
             "TagValues": ("prod", {"a"}), "Tags": ("Env=dev", {"b"})},
    SECURITY_GROUP: {
        "SecurityGroupIds": (_get("sg-a", "SecurityGroupId"), {"a"}),
        "SecurityGroupNames": ("packer-*", {"a"}), "Descriptions": ("web", {"b"}),
        "NetIds": (_get("net-b", "NetId"), {"b"}), "InboundRuleIpRanges": ("10.0.0.0/8", {"a"}),
        "InboundRuleProtocols": ("tcp", {"a"}), "InboundRuleFromPortRanges": ("22", {"a"}),
        "InboundRuleToPortRanges": ("22", {"a"}), "OutboundRuleIpRanges": ("0.0.0.0/0", BOTH),
        "OutboundRuleProtocols": ("-1", BOTH), "TagKeys": ("Env", BOTH),
        "TagValues": ("dev", {"b"}), "Tags": ("Env=prod", {"a"})},
}
# Valid OAPI filters the simulator does not implement: checked by translation only.
NOT_SIMULATED = {"InboundRuleAccountIds", "InboundRuleSecurityGroupIds",
                 "InboundRuleSecurityGroupNames", "OutboundRuleAccountIds",
                 "OutboundRuleFromPortRanges", "OutboundRuleToPortRanges",
                 "OutboundRuleSecurityGroupIds", "OutboundRuleSecurityGroupNames"}
PREFIX = {NET: ("net", "NetId"), SUBNET: ("subnet", "SubnetId"),
          SECURITY_GROUP: ("sg", "SecurityGroupId")}


def _user_names():
    for kind in (NET, SUBNET, SECURITY_GROUP):
        for name in kind.names():
            oapi = kind.aliases.get(name, name)
            if oapi not in NOT_SIMULATED and name not in kind.client_side:
                yield pytest.param(kind, name, oapi, id=f"{kind.label}:{name}")


@pytest.mark.parametrize(("kind", "name", "oapi"), list(_user_names()))
def test_every_network_filter_name_finds_what_it_names(network, kind, name, oapi):
    client, made, _ = network
    value, expected = CASES[kind][oapi]
    value = value(made) if callable(value) else value
    items, _ = search(client, kind, {name: value}, where="w")
    prefix, id_field = PREFIX[kind]
    labels = {label[-1] for label, doc in made.items()
              if label.startswith(prefix) and any(i[id_field] == doc[id_field] for i in items)}
    assert labels == expected
    assert len(items) == len(expected)


def test_security_group_owner_id_is_checked_on_the_answers(network):
    client, made, sim = network
    items, _ = search(client, SECURITY_GROUP, {"owner-id": sim.account_id,
                                               "group-name": "packer-a"}, where="w")
    assert [i["SecurityGroupId"] for i in items] == [made["sg-a"]["SecurityGroupId"]]
    items, _ = search(client, SECURITY_GROUP, {"owner-id": "000000000000"}, where="w")
    assert items == []


def test_several_tag_filters_must_all_match_though_the_api_accepts_any(network):
    client, made, _ = network
    items, _ = search(client, NET, {"tag:Env": "prod", "tag:Team": "web"}, where="w")
    assert [i["NetId"] for i in items] == [made["net-a"]["NetId"]]
    items, _ = search(client, NET, {"tag:Env": ["prod", "dev"], "tag:Team": "web"}, where="w")
    assert len(items) == 2
    items, _ = search(client, NET, {"tag:Env": "prod", "tag:Team": "db"}, where="w")
    assert items == []


def test_select_one_refuses_none_and_several_and_lists_them(network):
    client, made, _ = network
    with pytest.raises(FilterError) as caught:
        select_one(client, NET, {"tag:Team": "web"}, where="net_filter")
    message = str(caught.value)
    assert message.startswith("net_filter: 2 Nets match tag:Team = web: ")
    assert made["net-a"]["NetId"] in message and made["net-b"]["NetId"] in message
    assert "most_recent" not in message
    with pytest.raises(FilterError) as caught:
        select_one(client, SUBNET, {"subnet-id": "subnet-00000000"}, where="subnet_filter")
    message = str(caught.value)
    assert "no Subnet matches subnet-id = subnet-00000000" in message
    assert made["subnet-a"]["SubnetId"] in message  # what exists, to help fix the filter
    chosen = select_one(client, SUBNET, {"ip-range": "10.1.*"}, where="subnet_filter")
    assert chosen["SubnetId"] == made["subnet-a"]["SubnetId"]


def test_defaults_apply_unless_the_user_sets_the_same_field(network):
    client, made, _ = network
    items, query = search(client, SUBNET, {"tag:Env": "*"}, where="subnet_filter",
                          defaults={"NetIds": [made["net-b"]["NetId"]],
                                    "States": ["available"]})
    assert [i["SubnetId"] for i in items] == [made["subnet-b"]["SubnetId"]]
    assert f"NetIds = {made['net-b']['NetId']}" in query.describe()
    items, _ = search(client, SUBNET, {"net-id": made["net-a"]["NetId"]}, where="w",
                      defaults={"NetIds": [made["net-b"]["NetId"]]})
    assert [i["SubnetId"] for i in items] == [made["subnet-a"]["SubnetId"]]
    with pytest.raises(FilterError) as caught:
        select_one(client, NET, {"ip-range": "10.1.0.0/16"}, defaults={"IsDefault": True},
                   where="w")
    assert "no Net matches ip-range = 10.1.0.0/16, IsDefault = True" in str(caught.value)
