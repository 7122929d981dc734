"""Legacy {{ }} interpolation as the Go plugin applies it to option strings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from osc_build.errors import TemplateError
from osc_build.template.legacy import clean_resource_name, interpolate

MOMENT = datetime(2026, 7, 24, 9, 3, 4, tzinfo=UTC)


def render(text: str, info=None, **kwargs) -> str:
    return interpolate(text, info, init_time=MOMENT, **kwargs)


def test_time_functions_use_one_init_time() -> None:
    assert render("packer-{{timestamp}}") == "packer-1784883784"
    assert render('{{isotime "2006-01-02T15:04:05Z07:00"}}') == "2026-07-24T09:03:04Z"
    assert render('{{ isotime "20060102-030405PM Jan Monday" }}') == \
        "20260724-090304AM Jul Friday"
    assert render("{{isotime}}") == "2026-07-24T09:03:04Z"


def test_user_env_build_name_and_pipelines() -> None:
    assert render("{{user `region`}}", user_vars={"region": "eu-west-2"}) == "eu-west-2"
    assert render('{{env "HOME"}}', env={"HOME": "/root"}, allow_env=True) == "/root"
    assert render("{{build_name}}/{{build_type}}", build_name="main",
                  build_type="outscale-bsu") == "main/outscale-bsu"
    assert render('{{ "My OMI: v1" | clean_resource_name }}') == "My OMI- v1"
    assert render('{{ upper "x" }}-{{ split "a,b" "," 1 }}') == "X-b"
    assert len(render("{{uuid}}")) == 36


def test_env_is_refused_outside_variables() -> None:
    with pytest.raises(TemplateError, match="env vars are not allowed here"):
        render('{{env "HOME"}}')


def test_build_data_is_deferred_until_known() -> None:
    text = "from {{ .SourceOMI }} in {{.BuildRegion}} id {{ build `ID` }}"
    assert render(text) == text
    assert render(text, {"SourceOMI": "ami-1", "BuildRegion": "eu-west-2", "ID": "i-9"}) == \
        "from ami-1 in eu-west-2 id i-9"
    assert render("{{ .Missing }}", {}) == "<no value>"


def test_unknown_function_error_is_go_shaped() -> None:
    with pytest.raises(TemplateError, match='template: root:1: function "nope" not defined'):
        render("{{ nope }}")


def test_clean_resource_name_keeps_case() -> None:
    assert clean_resource_name("Ubuntu 24.04 (x86)/[a]@b'c_d:e*f") == \
        "Ubuntu 24.04 (x86)/-a--b-c_d-e-f"  # only what the API accepts in a name
