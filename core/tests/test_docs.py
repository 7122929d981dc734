"""The docs stay in step with the code: hooks and generated reference pages."""

from __future__ import annotations

import re
from pathlib import Path

from osc_build import docs
from osc_build.plugins import make_manager

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_hook_is_documented_with_its_signature():
    text = (DOCS / "hooks.md").read_text()
    headings = set(re.findall(r"^## (\w+)$", text, flags=re.M))
    hooks = {name: caller for name, caller in vars(make_manager().hook).items()
             if name.startswith("osc_build_")}
    assert hooks, "no hooks found"
    assert headings == set(hooks)
    for name, caller in hooks.items():
        signature = f"`{name}({', '.join(caller.spec.argnames)})`"
        assert signature in text, f"docs/hooks.md lacks the signature {signature}"


def test_every_hookspec_has_params_returns_when_and_example():
    for name, caller in vars(make_manager().hook).items():
        if not name.startswith("osc_build_"):
            continue
        doc = caller.spec.function.__doc__ or ""
        assert "Example::" in doc, name
        assert "Called" in doc, name
        for arg in caller.spec.argnames:
            assert f":param {arg}:" in doc, (name, arg)


def test_reference_pages_are_up_to_date():
    stale = docs.stale(DOCS)
    assert stale == [], f"stale pages {stale}: run 'uv run osc-build docs' and commit"


def test_reference_page_is_generated_from_the_schema(fake_plugins, monkeypatch):
    from osc_build import registry

    monkeypatch.syspath_prepend(str(fake_plugins))
    component = registry.find(registry.BUILDER, "fake-local")
    page = docs.render(component, registry.load(registry.BUILDER, "fake-local"))
    assert page.startswith("# fake-local (builder)\n\nTest-only builder")
    assert "Provided by the `osc-build-fake` distribution." in page
    assert "| `output_dir` | string | — | yes | Where the built tree is kept. |" in page
    assert "| `content` | string | `'hello'` | no | Text written to the built tree. |" in page
    assert "| `keep_workdir` | boolean | `false` | no |" in page


def test_nested_options_are_listed_with_their_path():
    from marshmallow import fields

    from osc_build.config import OptionsSchema, option

    class Device(OptionsSchema):
        device_name = option(fields.String(required=True), "Device.")

    class Options(OptionsSchema):
        mappings = option(fields.List(fields.Nested(Device)), "Mappings.")

    assert [(o.name, o.type) for o in docs.describe(Options)] == [
        ("mappings", "list of block"), ("mappings[].device_name", "string")]
