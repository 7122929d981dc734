"""read_by_id: the one way steps read a resource by its id."""

from __future__ import annotations

from typing import Any

import pytest

from osc_build_outscale.cloud.reads import READS, read_by_id, state_of


class OneAnswer:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.calls: list[tuple[str, dict]] = []

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        self.calls.append((operation, params))
        return self.answer


@pytest.mark.parametrize("kind", sorted(READS))
def test_each_kind_reads_by_its_id_filter(kind):
    operation, filter_name, key = READS[kind]
    client = OneAnswer({key: [{"State": "ready", "Id": "x-1"}]})
    assert read_by_id(client, kind, "x-1") == {"State": "ready", "Id": "x-1"}
    assert state_of(client, kind, "x-1") == "ready"
    assert client.calls[0] == (operation, {"Filters": {filter_name: ["x-1"]}})


def test_a_resource_not_listed_reads_as_none():
    client = OneAnswer({})
    assert read_by_id(client, "volume", "vol-1") is None
    assert state_of(client, "vm", "i-1") is None
