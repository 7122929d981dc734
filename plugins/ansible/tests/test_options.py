"""Bad options fail `osc-build validate` with one clear error each: no traceback, no cloud."""

from __future__ import annotations

import pytest

TEMPLATE = """
source "outscale-bsu" "main" {
  source_omi   = "ami-12345678"
  vm_type      = "tinav7.c1r1p1"
  ssh_username = "outscale"
  omi_name     = "ansible-options"
}
build {
  sources = ["source.outscale-bsu.main"]
  provisioner "ansible" {
%s
  }
}
"""


@pytest.fixture
def validate(run_cli, tmp_path):
    (tmp_path / "play.yml").write_text("- hosts: default\n  tasks: []\n")

    def run(options: str):
        (tmp_path / "build.pkr.hcl").write_text(TEMPLATE % options)
        return run_cli("validate", "build.pkr.hcl", cwd=tmp_path,
                       env={"OSC_ACCESS_KEY": "AK", "OSC_SECRET_KEY": "SK"})

    return run


def test_a_good_provisioner_validates(validate):
    result = validate('playbook_file = "play.yml"\n groups = ["web"]\n use_proxy = true\n'
                      ' sftp_command = "/usr/lib/openssh/sftp-server -e"')
    assert result.returncode == 0, result.output


@pytest.mark.parametrize(("options", "message"), [
    ("", "playbook_file must be set: the playbook to run"),
    ('playbook_file = "missing.yml"', "playbook_file 'missing.yml' does not exist"),
    ('playbook_file = "play.yml"\n use_proxy = true\n sftp_command = "  "',
     "sftp_command: is empty; give the VM's SFTP server"),
    ("playbook_file = \"play.yml\"\n sftp_command = \"'unclosed\"",
     "sftp_command: cannot be split into words"),
    ('playbook_file = "play.yml"\n ansible_env_vars = ["NOEQUALS"]',
     "not in format KEY=VALUE: 'NOEQUALS'"),
    ('playbook_file = "play.yml"\n command = "no-such-ansible-playbook"',
     "command 'no-such-ansible-playbook' is not found"),
    ('playbook_file = "play.yml"\n galaxy_file = "req.yml"', "galaxy_file 'req.yml' does not "
                                                            "exist"),
    ('playbook_file = "play.yml"\n inventory_directory = "nowhere"',
     "inventory_directory 'nowhere' is not a directory"),
    ('playbook_file = "play.yml"\n hots = "x"', "hots"),
])
def test_bad_options_are_one_clear_error(validate, options, message):
    result = validate(options)
    assert result.returncode == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_ansible_local_names_a_missing_directory(run_cli, tmp_path):
    (tmp_path / "site.yml").write_text("- hosts: all\n")
    (tmp_path / "build.pkr.hcl").write_text(
        (TEMPLATE % 'playbook_file = "play.yml"').replace('provisioner "ansible"',
                                                         'provisioner "ansible-local"')
        .replace("play.yml", "site.yml").replace("  }\n}", "  role_paths = [\"roles/x\"]\n"
                                                              "  }\n}"))
    result = run_cli("validate", "build.pkr.hcl", cwd=tmp_path,
                     env={"OSC_ACCESS_KEY": "AK", "OSC_SECRET_KEY": "SK"})
    assert result.returncode == 1, result.output
    assert "role_paths: 'roles/x' is not a directory" in result.output
    assert "Traceback" not in result.output
