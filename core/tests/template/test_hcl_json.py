"""HCL2 JSON syntax (.pkr.json): the rules of hashicorp/hcl json/spec.md, as Packer's schema
makes them, and errors that name the file and the JSON key path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from osc_build.errors import TemplateError
from osc_build.template import load_template
from osc_build.template.report import template_to_dict

from .corpus import CORPUS

BUILD = {"build": {"sources": ["source.null.t"]}}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch) -> None:
    """Templates are loaded by a relative name, so that errors start with "t.pkr.json"."""
    monkeypatch.chdir(tmp_path)


def load(tmp_path, document: object, name: str = "t.pkr.json", **kwargs):
    (tmp_path / name).write_text(document if isinstance(document, str)
                                 else json.dumps(document))
    return load_template(name, env={}, **kwargs)


def null_source(tmp_path, **config) -> dict:
    template = load(tmp_path, {"source": {"null": {"t": {"communicator": "none", **config}}},
                               **BUILD})
    return template.builds[0].sources[0].config


def locals_of(tmp_path, document: dict) -> dict:
    template = load(tmp_path, {**document, "source": {"null": {"t": {}}}, **BUILD})
    return {name: local.value for name, local in template.locals.items()}


def test_strings_are_templates_with_escapes(tmp_path) -> None:
    values = locals_of(tmp_path, {"locals": {
        "literal": "$${x} and %%{y} stay",
        "quotes": 'say "hi" \\ done',
        "nested": '${upper("a\\"b")}-${join(",", ["x", "y"])}',
        "lines": "one\ntwo\ttab\u0001",
        "number": "${1 + 2}",
        "bool": "${true}",
        "dollar": "$5 and 100% and {braces}",
    }})
    assert values == {"literal": "${x} and %{y} stay", "quotes": 'say "hi" \\ done',
                      "nested": 'A"B-x,y', "lines": "one\ntwo\ttab\u0001", "number": 3,
                      "bool": True, "dollar": "$5 and 100% and {braces}"}


def test_literals_arrays_objects_and_template_keys(tmp_path) -> None:
    values = locals_of(tmp_path, {"locals": {
        "n": 1.5, "big": 12345678901234567890, "t": True, "z": None,
        "list": [1, "${2 * 3}", [True], {}],
        "map": {"k-${1 + 1}": "v", "//": "kept: not a body"},
    }})
    assert values == {"n": 1.5, "big": 12345678901234567890, "t": True, "z": None,
                      "list": [1, 6, [True], {}], "map": {"k-2": "v", "//": "kept: not a body"}}


def test_comments_in_bodies_are_ignored(tmp_path) -> None:
    template = load(tmp_path, {
        "//": "a comment at the top level",
        "variable": {"v": {"//": "in a block", "default": "x"}},
        "source": {"null": {"t": {"//": "in a source", "communicator": "none"}}},
        **BUILD})
    assert template.variables["v"].value == "x"
    assert template.builds[0].sources[0].config == {"communicator": "none"}


def test_block_arrays_keep_order_and_duplicate_keys(tmp_path) -> None:
    text = """{
      "source": {"null": {"t": {}}},
      "build": [
        {"name": "one", "sources": ["source.null.t"],
         "provisioner": [{"shell": {"inline": ["1"]}}, {"file": {"source": "a",
                                                               "destination": "b"}}],
         "provisioner": {"shell": [{"inline": ["3"]}, {"inline": ["4"]}]}},
        {"name": "two", "sources": ["source.null.t"], "post-processor": []}
      ]
    }"""
    template = load(tmp_path, text)
    assert [b.name for b in template.builds] == ["one", "two"]
    steps = template.builds[0].provisioners
    assert [(s.type, s.config.get("inline")) for s in steps] == [
        ("shell", ["1"]), ("file", None), ("shell", ["3"]), ("shell", ["4"])]
    assert template.builds[1].post_processors == []


def test_label_levels_accept_arrays(tmp_path) -> None:
    template = load(tmp_path, {
        "source": [{"null": {"a": {"communicator": "none"}}},
                   {"null": [{"b": {"communicator": "ssh"}}]}],
        "build": {"sources": ["source.null.a", "source.null.b"]}})
    assert [(s.name, s.config["communicator"]) for s in template.builds[0].sources] == [
        ("a", "none"), ("b", "ssh")]


def test_variable_types_are_type_expression_strings(tmp_path) -> None:
    template = load(tmp_path, {"variable": {
        "m": {"type": "map(number)", "default": {"a": "1"}},
        "o": {"type": "object({\n  name = string\n  size = optional(number, 10)\n})",
              "default": {"name": "x"}}}, "source": {"null": {"t": {}}}, **BUILD})
    assert template.variables["m"].value == {"a": 1}
    assert template.variables["m"].type == "map(number)"
    assert template.variables["o"].value == {"name": "x", "size": 10}


def test_nested_blocks_follow_the_builder_options(tmp_path) -> None:
    template = load(tmp_path, {
        "variable": {"disks": {"default": {"/dev/sdb": 5}}},
        "source": {"outscale-bsu": {"t": {
            "tags": {"Name": "x"},
            "source_omi_filter": {"filter": {"name": "image-name", "value": "Debian-*"},
                                  "owners": ["Outscale"]},
            "launch_block_device_mappings": {"device_name": "/dev/sda1", "volume_size": 10},
            "dynamic": {"launch_block_device_mappings": {
                "for_each": "${var.disks}", "iterator": "d",
                "content": {"device_name": "${d.key}", "volume_size": "${d.value}"}}},
        }}},
        "build": {"sources": ["source.outscale-bsu.t"]}})
    config = template.builds[0].sources[0].config
    assert config["tags"] == {"Name": "x"}  # a map attribute, not a block
    assert config["source_omi_filter"] == [
        {"filter": [{"name": "image-name", "value": "Debian-*"}], "owners": ["Outscale"]}]
    assert config["launch_block_device_mappings"] == [
        {"device_name": "/dev/sda1", "volume_size": 10},
        {"device_name": "/dev/sdb", "volume_size": 5}]


def test_same_plans_as_the_native_twin(monkeypatch) -> None:
    monkeypatch.chdir(CORPUS)
    for name in ("build-full", "blocks-dynamic", "strings", "variable-types"):
        native = template_to_dict(load_template(f"{name}.pkr.hcl", env={}))
        assert template_to_dict(load_template(f"{name}.pkr.json", env={})) == native


@pytest.mark.parametrize(("document", "message"), [
    ({"source": {"null": {"t": {"omi_name": "${var.nope}"}}}, **BUILD},
     't.pkr.json: source.null.t.omi_name: Reference to undeclared input variable'),
    ({"source": {"null": {"t": {"omi_name": "${1 +}"}}}, **BUILD},
     "t.pkr.json: source.null.t.omi_name: Invalid syntax"),
    ({"source": {"null": {"t": {"omi_name": "a-${var.x"}}}, **BUILD},
     "t.pkr.json: source.null.t.omi_name: Unterminated template string"),
    ({"locals": {"a": {"b": ["${1 + true}"]}}},
     "t.pkr.json: locals.a.b[0]: "),
    ({"variable": {"v": {"type": "map(strin)"}}},
     't.pkr.json: variable.v.type: Invalid type specification: the keyword "strin"'),
    ({"variable": {"v": {"type": ["string"]}}},
     't.pkr.json: variable.v.type: Invalid "type": in JSON syntax it is a string'),
    ({"source": {"null": "oops"}},
     "t.pkr.json: source.null: Incorrect JSON value type"),
    ({"build": [{"sources": []}, 3]},
     "t.pkr.json: build[1]: Incorrect JSON value type"),
    ({"locals": {"bad name": 1}},
     't.pkr.json: locals.bad name: Invalid argument name "bad name"'),
    ({"region": "eu-west-2"},
     't.pkr.json: region: Unsupported argument "region"'),
    ({"variable": {"v": {"default": 1, "defualt": 2}}},
     't.pkr.json: variable.v.defualt: Unsupported argument "defualt"'),
    ([1], "t.pkr.json: [0]: Incorrect JSON value type"),
    ("[]]", "t.pkr.json:1:3: Invalid JSON: Extra data"),
    ('{"locals": {"a": NaN}}', "t.pkr.json: Invalid JSON: NaN is not a JSON number"),
    ('"x"', "t.pkr.json: Invalid template: a .pkr.json template is a JSON object"),
])
def test_errors_name_the_json_path(tmp_path, document, message) -> None:
    with pytest.raises(TemplateError) as info:
        load(tmp_path, document)
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_duplicate_attribute_is_an_error(tmp_path) -> None:
    with pytest.raises(TemplateError, match=r"^t.pkr.json: locals.a: Attribute redefined"):
        load(tmp_path, '{"locals": {"a": 1, "a": 2}}')


def test_cli_validate_and_inspect(tmp_path) -> None:
    (tmp_path / "vars.pkr.hcl").write_text('variable "name" {\n  default = "web"\n}\n')
    (tmp_path / "main.pkr.json").write_text(json.dumps({
        "source": {"outscale-bsu": {"t": {
            "region": "eu-west-2", "source_omi": "ami-12345678", "vm_type": "tinav7.c1r1p1",
            "omi_name": "${var.name}-omi", "ssh_username": "outscale"}}},
        "build": {"name": "${var.name}", "sources": ["source.outscale-bsu.t"]}}))

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "osc_build", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, check=False)

    valid = run("validate", ".")
    assert valid.returncode == 0, valid.stderr
    inspect = run("inspect", ".")
    assert inspect.returncode == 0, inspect.stderr
    assert 'var.name: "web"' in inspect.stdout and "web:" in inspect.stdout
    (tmp_path / "main.pkr.json").write_text(json.dumps({
        "source": {"outscale-bsu": {"t": {"vm_type": "${var.y}"}}},
        "build": {"sources": ["source.outscale-bsu.t"]}}))
    failed = run("validate", ".")
    assert failed.returncode == 1
    lines = (failed.stdout + failed.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "main.pkr.json: source.outscale-bsu.t.vm_type: Reference to undeclared" in lines[0]
