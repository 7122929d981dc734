"""Every option of the Go plugin v1.6.1 is accepted here, and the generated table says how."""

from __future__ import annotations

import json
from pathlib import Path

from marshmallow import fields

from osc_build import compat_table
from osc_build.config import OptionsSchema, alias, no_effect, option

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_the_table_is_current_and_lists_every_go_option_as_accepted():
    pages = compat_table.generate(DOCS)
    page = pages[DOCS / compat_table.PAGE_FILE]
    assert (DOCS / compat_table.PAGE_FILE).read_text() == page, "run 'uv run osc-build docs'"
    data = json.loads((DOCS / compat_table.DATA_FILE).read_text())
    for group in data["groups"].values():
        for name in group:
            assert f"| `{name}` |" in page
    assert "**not supported**" not in page


def test_status_follows_the_schema():
    class Options(OptionsSchema):
        new = option(fields.String(), "New.")
        old = alias(fields.String(), "new")
        aws = no_effect(fields.String(), "an AWS feature")

    known = compat_table.option_fields(Options())
    data = {"groups": {"g": ["new", "old", "aws", "gone"]}, "components": {"builder x": ["g"]}}
    page = compat_table.render(data, {"builder x": Options()})
    assert "| `new` | supported |" in page
    assert "| `old` | deprecated alias of `new`: works, warns |" in page
    assert "| `aws` | accepted, warns that it has no effect: an AWS feature |" in page
    assert "| `gone` | **not supported** |" in page
    assert set(known) == {"new", "old", "aws"}
