"""Variables used or set but not declared: an error at file:line, or Packer's warning."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from osc_build.errors import TemplateError
from osc_build.template import load_template

LEGACY = """{
  "variables": {
    "region": "eu-west-2"
  },
  "_comment": "{{user `not_checked_in_comments`}}",
  "builders": [{
    "type": "outscale-bsu",
    "region": "{{user `region`}}",
    "omi_name": "x-%s"
  }]
}
"""

HCL = """variable "region" {
  default = "eu-west-2"
}
source "outscale-bsu" "main" {
  region = var.region
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""


def legacy(tmp_path, reference: str = "y"):
    path = tmp_path / "t.json"
    path.write_text(LEGACY % reference)
    return path


@pytest.mark.parametrize("reference", ["{{user `regoin`}}", '{{ user \\"regoin\\" }}'])
def test_an_undefined_user_variable_is_an_error_at_its_line(tmp_path, reference):
    path = legacy(tmp_path, reference)
    with pytest.raises(TemplateError) as info:
        load_template(path, env={})
    message = str(info.value)
    assert message.startswith(f"{path}:9:20: Undefined user variable \"regoin\"")
    assert 'Did you mean "region"?' in message
    assert 'Declare it there, e.g. "variables": {"regoin": ""}' in message


def test_declared_user_variables_and_comments_pass(tmp_path):
    template = load_template(legacy(tmp_path, "{{user `region`}}"), env={})
    assert template.builds[0].sources[0].config["omi_name"] == "x-eu-west-2"


def test_an_undeclared_var_is_an_error_in_legacy_templates_too(tmp_path):
    with pytest.raises(TemplateError, match=r'Undefined -var variable: "regoin" is not '
                                            r'declared in the "variables" section\. Did you '
                                            r'mean "region"\?'):
        load_template(legacy(tmp_path), vars={"regoin": "us-east-2"}, env={})


def test_an_undeclared_key_of_a_legacy_var_file_is_a_warning(tmp_path, caplog):
    var_file = tmp_path / "vars.json"
    var_file.write_text(json.dumps({"region": "us-east-2", "other": "1"}))
    with caplog.at_level(logging.WARNING):
        template = load_template(legacy(tmp_path), var_files=[var_file], env={})
    assert template.user_variables == {"region": "us-east-2"}
    assert [r.getMessage() for r in caplog.records] == [
        f'Warning: {var_file}: Undefined variable: "other" is set but not declared in the '
        f'"variables" section of {tmp_path / "t.json"}; it is ignored.']


def test_a_legacy_var_file_must_hold_an_object(tmp_path):
    var_file = tmp_path / "vars.json"
    var_file.write_text("[1]")
    with pytest.raises(TemplateError, match="a JSON object of variable values is expected"):
        load_template(legacy(tmp_path), var_files=[var_file], env={})


def test_an_undeclared_key_of_an_hcl_var_file_is_a_warning_with_its_line(tmp_path, caplog):
    (tmp_path / "t.pkr.hcl").write_text(HCL)
    var_file = tmp_path / "v.pkrvars.hcl"
    var_file.write_text('region = "us-east-2"\nregoin = "x"\n')
    with caplog.at_level(logging.WARNING):
        template = load_template(tmp_path / "t.pkr.hcl", var_files=[var_file], env={})
    assert template.builds[0].sources[0].config["region"] == "us-east-2"
    assert [r.getMessage() for r in caplog.records] == [
        f'Warning: {var_file}:2: Undefined variable: "regoin" is set but not declared by a '
        'variable block, so it is ignored; declare it with variable "regoin" {} in a .pkr.hcl '
        "file, or remove it."]


BSU = """variable "region" {
  default = "eu-west-2"
}
source "outscale-bsu" "main" {
  region       = var.region
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  ssh_username = "outscale"
  omi_name     = "undeclared"
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""


@pytest.mark.parametrize(("flags", "warned"), [((), True), (("-no-warn-undeclared-var",), False)])
def test_validate_warns_about_undeclared_var_file_keys_unless_told_not_to(tmp_path, flags,
                                                                          warned):
    (tmp_path / "t.pkr.hcl").write_text(BSU)
    (tmp_path / "v.pkrvars.hcl").write_text('regoin = "x"\n')
    result = subprocess.run([sys.executable, "-m", "osc_build", "validate", *flags,
                             "-var-file", "v.pkrvars.hcl", "t.pkr.hcl"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The configuration is valid."
    assert ('Warning: v.pkrvars.hcl:1: Undefined variable: "regoin"' in result.stderr) == warned


def test_build_accepts_packers_warn_flag_and_warns(tmp_path):
    (tmp_path / "t.pkr.hcl").write_text(BSU.replace("tinav7.c1r1p1", "tinav9.c1r1p1"))
    (tmp_path / "v.pkrvars.hcl").write_text('regoin = "x"\n')
    result = subprocess.run([sys.executable, "-m", "osc_build", "build",
                             "-warn-on-undeclared-var", "-var-file", "v.pkrvars.hcl",
                             "t.pkr.hcl"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert 'Warning: v.pkrvars.hcl:1: Undefined variable: "regoin"' in result.stderr
    assert "vm_type: 'tinav9.c1r1p1': processor generation 9 does not exist" in result.stderr
