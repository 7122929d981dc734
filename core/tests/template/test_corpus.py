"""The template corpus (tests/templates): each case evaluates to its expected configuration
or fails with its expected error (message and file:line:column).

Set OSC_BUILD_UPDATE_CORPUS=1 to (re)write the expectations, then review the diff.
"""

from __future__ import annotations

import json
import os

import pytest

from osc_build.errors import OscBuildError
from osc_build.template.report import template_to_dict

from .corpus import CORPUS, FakeDataSources, case_id, case_paths, load_case, normalized, side_file

UPDATE = os.environ.get("OSC_BUILD_UPDATE_CORPUS") == "1"


def test_corpus_is_large_enough() -> None:
    cases = case_paths()
    errors = [c for c in cases if side_file(c, ".error.txt").exists()]
    assert len(cases) >= 40
    assert len(errors) >= 15
    assert len(cases) - len(errors) >= 25


@pytest.mark.parametrize("path", case_paths(), ids=case_id)
def test_case(path, monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    expected_json = side_file(path, ".expected.json")
    expected_error = side_file(path, ".error.txt")
    try:
        result = normalized(template_to_dict(load_case(path)))
    except OscBuildError as exc:
        if UPDATE and not expected_json.exists():
            expected_error.write_text(str(exc) + "\n")
            return
        assert expected_error.exists(), f"unexpected error: {exc}"
        assert str(exc) == expected_error.read_text().strip()
        return
    if UPDATE and not expected_error.exists():
        expected_json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        return
    assert not expected_error.exists(), f"expected an error, got {result}"
    assert result == json.loads(expected_json.read_text())


def test_data_sources_run_in_dependency_order(monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    datasources = FakeDataSources()
    template = load_case(CORPUS / "data-datasource.pkr.hcl", datasources)
    assert datasources.calls == ["outscale-omi.base", "outscale-omi.derived"]
    assert template.builds[0].sources[0].config["source_omi"] == "ami-derived"
