"""Cleanup and link waits against a fake client whose reads lag its writes.

The fake answers each Read* call with the next scripted answer (the last one
repeats), so what is asserted is which calls were made, not how long they took.
"""

from __future__ import annotations

from typing import Any

import pytest

from osc_build.context import BuildContext
from osc_build.errors import BuildError
from osc_build.ui import Ui
from osc_build_outscale.cloud import vm, volume_lifecycle, waits
from osc_build_outscale.cloud.schedule import Pace
from osc_build_outscale.errors import CloudError

NOT_FOUND = CloudError("ReadVolumes failed: InvalidResource (code 5064)", code="5064",
                       type="InvalidResource")


class LaggingClient:
    """Scripted Read* answers per operation; every other call is recorded and answered {}."""

    region = "eu-west-2"

    def __init__(self, **reads: list[Any]) -> None:
        self.reads = {operation: list(answers) for operation, answers in reads.items()}
        self.calls: list[str] = []
        self.failures: dict[str, CloudError] = {}

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append(operation)
        if operation in self.failures:
            raise self.failures[operation]
        if operation not in self.reads:
            return {"Vm": {}} if operation == "LinkVolume" else {}
        answers = self.reads[operation]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def volumes_answer(*volumes: dict[str, Any]) -> dict[str, Any]:
    return {"Volumes": [{"VolumeId": "vol-1", **volume} for volume in volumes]}


@pytest.fixture(autouse=True)
def fresh_pace(monkeypatch):
    """Early polls come first whatever other tests taught the shared pace."""
    monkeypatch.setattr(waits, "PACE", Pace())


@pytest.fixture
def ctx() -> BuildContext:
    return BuildContext(name="outscale-bsu.t", builder="outscale-bsu", config={},
                        ui=Ui("outscale-bsu.t"))


def test_a_volume_deleted_with_its_vm_passes_through_deleting_then_counts_as_deleted():
    vm_with_volume = {"Vms": [{"VmId": "i-1", "State": "running", "BlockDeviceMappings": [
        {"DeviceName": "/dev/sda1", "Bsu": {"VolumeId": "vol-1"}}]}]}
    client = LaggingClient(ReadVms=[vm_with_volume, {"Vms": []}],
                           ReadVolumes=[volumes_answer({"State": "deleting"}), {"Volumes": []}])
    vm.terminate(client, "i-1")
    assert "DeleteVms" in client.calls
    assert "DeleteVolume" not in client.calls


def test_a_not_found_answer_counts_as_deleted():
    client = LaggingClient(ReadVolumes=[NOT_FOUND])
    volume_lifecycle.delete_released_volume(client, "vol-1")
    assert "DeleteVolume" not in client.calls


def test_a_volume_still_shown_linked_by_a_lagging_read_is_deleted_once_released():
    client = LaggingClient(ReadVolumes=[volumes_answer({"State": "in-use"}),
                                        volumes_answer({"State": "available"})])
    volume_lifecycle.delete_released_volume(client, "vol-1")
    assert client.calls == ["ReadVolumes", "ReadVolumes", "DeleteVolume"]


def test_a_volume_that_vanishes_before_its_delete_call_is_fine():
    client = LaggingClient(ReadVolumes=[volumes_answer({"State": "available"})])
    client.failures["DeleteVolume"] = NOT_FOUND
    volume_lifecycle.delete_volume(client, "vol-1")
    assert client.calls[-1] == "DeleteVolume"


def test_other_errors_of_a_cleanup_read_are_not_taken_for_deleted():
    denied = CloudError("ReadVolumes failed: AccessDenied (code 4)", code="4", type="AccessDenied")
    client = LaggingClient(ReadVolumes=[denied])
    with pytest.raises(CloudError, match="AccessDenied"):
        volume_lifecycle.delete_released_volume(client, "vol-1")


def test_a_link_wait_keeps_polling_while_reads_do_not_show_the_link(ctx):
    client = LaggingClient(ReadVolumes=[
        volumes_answer({"State": "available", "LinkedVolumes": []}),
        volumes_answer({"State": "in-use", "LinkedVolumes": [{"State": "attaching"}]}),
        volumes_answer({"State": "in-use", "LinkedVolumes": [{"State": "attached"}]})])
    volume_lifecycle.link_volume(ctx, client, "vol-1", "i-1", "/dev/xvdf")
    assert client.calls == ["LinkVolume", "ReadVolumes", "ReadVolumes", "ReadVolumes"]
    assert [r.kind for r in ctx.resources.pending] == ["volume link"]


def test_a_link_in_error_still_fails_the_wait(ctx):
    client = LaggingClient(ReadVolumes=[volumes_answer({"State": "error"})])
    with pytest.raises(CloudError, match="reached state 'error'"):
        volume_lifecycle.link_volume(ctx, client, "vol-1", "i-1", "/dev/xvdf")


def test_undoing_a_build_unlinks_an_attached_volume_before_deleting_it():
    attached = volumes_answer({"State": "in-use", "LinkedVolumes": [
        {"State": "attached", "VmId": "i-1"}]})
    client = LaggingClient(ReadVolumes=[attached, attached, volumes_answer({"State": "available"})])
    volume_lifecycle.delete_volume(client, "vol-1")
    assert [c for c in client.calls if c != "ReadVolumes"] == ["UnlinkVolume", "DeleteVolume"]


def test_destroying_an_artifact_refuses_a_volume_someone_attached():
    client = LaggingClient(ReadVolumes=[volumes_answer({"State": "in-use", "LinkedVolumes": [
        {"State": "attached", "VmId": "i-9"}]})])
    with pytest.raises(BuildError, match="linked to VM i-9; unlink it"):
        volume_lifecycle.delete_volume(client, "vol-1", unlink=False)
    assert client.calls == ["ReadVolumes"]
