"""Parameters as the spec words them: DeletePublicIp in the public Cloud, shutdown behaviour."""

from __future__ import annotations

import pytest

from osc_build_sim.testing import signed_post


def error(response):
    body = response.json()
    return response.status_code, body["Errors"][0]["Code"], body["Errors"][0]["Type"]


def test_delete_public_ip_needs_public_ip_in_the_public_cloud(simulator_session):
    sim = simulator_session
    ip = sim.gateway().CreatePublicIp()["PublicIp"]
    response = signed_post(sim, "DeletePublicIp", {"PublicIpId": ip["PublicIpId"]})
    assert error(response) == (400, "4046", "InvalidParameterValue")  # invalid-parameter-set
    assert ip["PublicIp"] in response.json()["Errors"][0]["Details"]
    assert ip["PublicIpId"] in [p["PublicIpId"] for p in sim.resources("public_ip")]
    assert signed_post(sim, "DeletePublicIp", {"PublicIp": ip["PublicIp"]}).status_code == 200
    assert ip["PublicIpId"] not in [p["PublicIpId"] for p in sim.resources("public_ip")]


def test_delete_public_ip_with_both_fields_is_accepted(simulator_session):
    sim = simulator_session
    ip = sim.gateway().CreatePublicIp()["PublicIp"]
    response = signed_post(sim, "DeletePublicIp", {"PublicIp": ip["PublicIp"],
                                                   "PublicIpId": ip["PublicIpId"]})
    assert response.status_code == 200, response.text


@pytest.fixture
def vm_factory(simulator_session):
    gateway = simulator_session.gateway()
    image = gateway.ReadImages(Filters={"ImageNames": ["Debian-12-*"]})["Images"][0]
    made = []

    def create(**options) -> dict:
        [vm] = gateway.CreateVms(ImageId=image["ImageId"], **options)["Vms"]
        made.append(vm["VmId"])
        return vm
    yield create
    if made:
        gateway.DeleteVms(VmIds=made)


def test_shutdown_defaults(vm_factory):
    vm = vm_factory()
    assert vm["VmInitiatedShutdownBehavior"] == "stop"
    assert vm["ShutdownBehaviorConfiguration"] == {"GuestAction": "stop", "HostAction": "restart"}


def test_shutdown_behaviour_through_the_non_deprecated_field(vm_factory):
    vm = vm_factory(ShutdownBehaviorConfiguration={"GuestAction": "terminate"})
    assert vm["ShutdownBehaviorConfiguration"] == {"GuestAction": "terminate",
                                                   "HostAction": "restart"}
    assert vm["VmInitiatedShutdownBehavior"] == "terminate"


def test_shutdown_behaviour_through_the_deprecated_field(vm_factory, simulator_session):
    vm = vm_factory(VmInitiatedShutdownBehavior="terminate")
    assert vm["ShutdownBehaviorConfiguration"]["GuestAction"] == "terminate"
    gateway = simulator_session.gateway()
    updated = gateway.UpdateVm(VmId=vm["VmId"],
                               ShutdownBehaviorConfiguration={"GuestAction": "stop",
                                                              "HostAction": "stop"})["Vm"]
    assert updated["VmInitiatedShutdownBehavior"] == "stop"
    assert updated["ShutdownBehaviorConfiguration"] == {"GuestAction": "stop",
                                                        "HostAction": "stop"}


def test_an_unknown_deprecated_value_is_refused(simulator_session):
    sim = simulator_session
    image = sim.gateway().ReadImages(Filters={"ImageNames": ["Debian-12-*"]})["Images"][0]
    response = signed_post(sim, "CreateVms", {"ImageId": image["ImageId"],
                                              "VmInitiatedShutdownBehavior": "explode"})
    assert error(response) == (400, "4047", "InvalidParameterValue")
    assert "ShutdownBehaviorConfiguration" in response.json()["Errors"][0]["Details"]
    response = signed_post(sim, "CreateVms", {
        "ImageId": image["ImageId"], "ShutdownBehaviorConfiguration": {"GuestAction": "restart"}})
    assert error(response)[:2] == (400, "4047")  # the spec's enum
