"""Template mistakes as Packer users need them: every one in one run, each at the file:line:col
of what is wrong, in source order, in Packer's words, the same every run."""

from __future__ import annotations

from osc_build.log import redact
from osc_build.testing import run_osc_build

TEMPLATE = '''source "outscale-bsu" "a" {
  omi_nmae     = "web-image"
  ssh_username = "outscale"
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-12345678"
  region       = "eu-west-2"
}
source "outscale-bsu" "b" {
  omi_name     = "web-image"
  ssh_username = "outscale"
  vm_type      = "tinav9.c1r1"
  source_omi   = "ami-12345678"
}
build {
  sources = ["source.outscale-bsu.a", "source.outscale-bsu.b"]
  provisioner "chef-solo" {
    cookbook_paths = ["x"]
  }
  provisioner "shell" {
    inlin = ["x"]
  }
  post-processor "manifst" {}
}
'''


def test_every_mistake_at_its_position_in_source_order(tmp_path):
    path = tmp_path / "t.pkr.hcl"
    path.write_text(TEMPLATE)
    first = run_osc_build("validate", str(path))
    assert first.returncode == 1
    lines = first.stderr.splitlines()
    assert lines == [
        f"Error: {path}:1:1: source.outscale-bsu.a: omi_name: must be specified",
        f"Error: {path}:2:3: source.outscale-bsu.a: omi_nmae: unknown option (did you mean "
        "'omi_name'?)",
        f"Error: {path}:11:3: source.outscale-bsu.b: vm_type: {lines[2].split('vm_type: ')[1]}",
        f"Error: {path}:16:3: unknown provisioner 'chef-solo': Packer's chef-solo "
        "provisioner is not available in osc-build; installed: ansible, ansible-local, "
        "breakpoint, file, powershell, shell, shell-local, windows-restart, windows-shell",
        f"Error: {path}:20:5: inlin: unknown option (did you mean 'inline'?)",
        f"Error: {path}:22:3: unknown post-processor 'manifst'; installed: artifice, checksum, "
        "compress, manifest, shell-local (did you mean 'manifest'?)",
    ]
    assert "tinav9" in lines[2]
    again = run_osc_build("validate", str(path))
    assert again.stderr == first.stderr  # the same every run


def test_unknown_builder_type_has_its_position(tmp_path):
    path = tmp_path / "t.pkr.hcl"
    path.write_text('source "amazon-ebs" "a" {}\nbuild {\n  sources = ["source.amazon-ebs.a"]\n}\n')
    result = run_osc_build("validate", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {path}:1:1: source.amazon-ebs.a: unknown builder "
                                    "'amazon-ebs': Packer's amazon-ebs builder is not available")


def test_redaction_replaces_secret_values_only():
    assert redact("ssh_password: not a valid string") == "ssh_password: not a valid string"
    assert redact("password: must be specified") == "password: must be specified"
    assert redact("ssh_password=hunter22 user=x") == "ssh_password=<redacted> user=x"
    assert redact('{"Password": "hunter22"}') == '{"Password": "<redacted>"}'
