"""--local: regions, subregions and OMI copy regions are checked against the simulator's own."""

from __future__ import annotations

import pytest

from osc_build.errors import ConfigError
from osc_build.runner import BuildPlan
from osc_build_outscale.local import check_regions, point_at_simulator

STATE = {"region": "eu-west-2", "endpoint": "http://127.0.0.1:1/api/v1",
         "access_key": "AK", "secret_key": "SK", "data_dir": "/sim",
         "regions": {"eu-west-2": "http://127.0.0.1:1/api/v1",
                     "us-east-2": "http://127.0.0.1:1/us-east-2/api/v1"},
         "subregions": {"eu-west-2": ["eu-west-2a", "eu-west-2b", "eu-west-2c"],
                        "us-east-2": ["us-east-2a", "us-east-2b"]}}


def plan(**options) -> BuildPlan:
    return BuildPlan(name="outscale-bsu.main", builder="outscale-bsu", options=options,
                     where="t.pkr.hcl:1: source.outscale-bsu.main")


def error_of(*plans: BuildPlan, state: dict = STATE) -> str:
    with pytest.raises(ConfigError) as caught:
        point_at_simulator(list(plans), state)
    return str(caught.value)


def test_a_subregion_letter_the_simulator_lacks_is_refused_before_any_call():
    assert error_of(plan(region="us-east-2", subregion_name="us-east-2c")) == (
        "t.pkr.hcl:1: source.outscale-bsu.main: subregion_name: 'us-east-2c' is not a "
        "subregion of region 'us-east-2' of the local simulator; use us-east-2a or us-east-2b, "
        "or add it to the regions of the simulator's configuration (/sim/config.json) and "
        "restart it (osc-build-sim stop)")


def test_without_region_the_simulators_default_region_is_the_one_checked():
    assert "'eu-west-2d' is not a subregion of region 'eu-west-2'" in error_of(
        plan(subregion_name="eu-west-2d"))
    assert "'us-east-2a' is not a subregion of region 'eu-west-2'" in error_of(
        plan(subregion_name="us-east-2a"))


def test_unknown_regions_and_copy_regions_are_each_reported():
    message = error_of(plan(region="ap-northeast-1"),
                       plan(omi_regions=["us-east-2", "cloudgouv-eu-west-1"]))
    assert ("region: 'ap-northeast-1' is not a region of the local simulator; use one of "
            "eu-west-2, us-east-2, or add it") in message
    assert ("omi_regions: 'cloudgouv-eu-west-1' is not a region of the local simulator; copy "
            "to regions among eu-west-2, us-east-2") in message
    assert len(message.splitlines()) == 2


def test_what_the_simulator_serves_passes_and_is_pointed_at_it():
    plans = point_at_simulator([plan(region="us-east-2", subregion_name="us-east-2b",
                                     omi_regions=["eu-west-2"]),
                                plan(subregion_name="eu-west-2c",
                                     omi_regions=["{{ user `r` }}"])], STATE)
    assert plans[0].options["custom_endpoint_oapi"] == "http://127.0.0.1:1/us-east-2/api/v1"
    assert plans[1].options["region"] == "eu-west-2"


def test_a_simulator_that_does_not_list_subregions_still_has_its_regions_checked():
    older = {k: v for k, v in STATE.items() if k != "subregions"}
    check_regions([plan(region="us-east-2", subregion_name="us-east-2z")], older)
    assert "region: 'mars-1' is not a region of the local simulator" in error_of(
        plan(region="mars-1"), state=older)
