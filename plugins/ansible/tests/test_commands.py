"""Command lines: ansible-playbook's arguments, ansible-galaxy for roles and collections."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from osc_build.errors import ConfigError
from osc_build_ansible.commands import galaxy_commands, playbook_arguments, program


def test_the_ansible_playbook_next_to_osc_build_is_preferred():
    [path] = program(None, "ansible-playbook")
    assert Path(path) == Path(sys.executable).parent / "ansible-playbook"
    assert program("/opt/ansible/bin/ansible-playbook -vv", "ansible-playbook") == [
        "/opt/ansible/bin/ansible-playbook", "-vv"]


def test_playbook_arguments_in_packer_order():
    args = playbook_arguments(build_name="main", builder_type="outscale-bsu",
                              inventory="/t/inventory", playbook="site.yml", key_file="/t/id",
                              vars_file=None, ssh_extra_args=["-o IdentitiesOnly=yes"],
                              ssh_common_args=["-o StrictHostKeyChecking=no"],
                              extra_arguments=["--tags", "web"])
    assert args == ["-e", "packer_build_name=main", "-e", "packer_builder_type=outscale-bsu",
                    "-e", "ansible_ssh_private_key_file=/t/id",
                    "--ssh-extra-args", "-o IdentitiesOnly=yes",
                    "--ssh-common-args", "-o StrictHostKeyChecking=no",
                    "--tags", "web", "-i", "/t/inventory", "site.yml"]


def test_galaxy_installs_roles_then_collections_where_asked(tmp_path):
    requirements = tmp_path / "requirements.yml"
    requirements.write_text("roles:\n  - src: ./r.tar.gz\n    name: r\n"
                            "collections:\n  - name: community.general\n")
    assert galaxy_commands(["ansible-galaxy"], str(requirements), roles_path="roles",
                           collections_path="cols", force=True) == [
        ["ansible-galaxy", "install", "-r", str(requirements), "-p", "roles", "--force"],
        ["ansible-galaxy", "collection", "install", "-r", str(requirements), "-p", "cols",
         "--force"]]


def test_galaxy_old_format_is_roles(tmp_path):
    requirements = tmp_path / "requirements.yml"
    requirements.write_text("- src: geerlingguy.apache\n")
    assert galaxy_commands(["g"], str(requirements), roles_path=None, collections_path=None,
                           force=False) == [["g", "install", "-r", str(requirements)]]


def test_galaxy_file_without_requirements_is_a_clear_error(tmp_path):
    requirements = tmp_path / "requirements.yml"
    requirements.write_text("other: 1\n")
    with pytest.raises(ConfigError, match="lists no roles or collections"):
        galaxy_commands(["g"], str(requirements), roles_path=None, collections_path=None,
                        force=False)
