"""`ansible-local` stages its files on the VM as Packer lays them out, and fails clearly
when the image has no Ansible. The minimal image (no Python) runs `command` as given: a
command that lists the staging directory instead of running a play shows what was uploaded."""

from __future__ import annotations

import json

from osc_build.testing import build_locally
from osc_build_sim.testing import leftovers

from .templates import bsu_build


def local_block(options: str) -> str:
    return f'  provisioner "ansible-local" {{\n{options}\n  }}\n'



def project(tmp_path):
    for path, text in {
        "site.yml": "- hosts: all\n  roles: [web]\n",
        "roles/web/tasks/main.yml": "- name: t\n  debug: msg=x\n",
        "group_vars/all.yml": "a: 1\n",
        "host_vars/127.0.0.1.yml": "b: 2\n",
        "more/extra.yml": "- hosts: all\n",
    }.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)


def test_files_are_staged_where_packer_puts_them(machine_sim, tmp_path):
    project(tmp_path)
    options = """
    playbook_file     = "site.yml"
    role_paths        = ["roles/web"]
    group_vars        = "group_vars"
    host_vars         = "host_vars"
    playbook_paths    = ["more"]
    inventory_groups  = ["web", "db"]
    staging_directory = "/tmp/staged"
    command           = "find . -type f | sort; cat packer-provisioner-ansible-local.ini; echo"
"""
    after = 'provisioner "shell" { inline = ["test -e /tmp/staged && echo STAGING-KEPT"] }'
    result = build_locally(bsu_build("ansible-local-staged", local_block(options) + after),
                           sim_data_dir=machine_sim.data_dir, workdir=tmp_path)
    assert result.returncode == 0, result.output
    prefix = "    outscale-bsu.main: "
    shown = [line.removeprefix(prefix) for line in result.stdout.splitlines()
             if line.startswith(prefix)]
    assert [line for line in shown if line.startswith("./")] == [
        "./group_vars/all.yml", "./host_vars/127.0.0.1.yml",
        "./packer-provisioner-ansible-local.ini", "./playbooks/more/extra.yml",
        "./roles/web/tasks/main.yml", "./site.yml"]
    assert "[web]" in shown and "[db]" in shown and "127.0.0.1" in shown
    # Packer's arguments follow the command: playbook, extra variables, local connection.
    assert any(line.startswith("site.yml --extra-vars packer_build_name=main "
                               "packer_builder_type=outscale-bsu -c local -i /tmp/staged/")
               for line in shown), shown
    assert "STAGING-KEPT" in shown  # clean_staging_directory is false by default
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))


def test_without_ansible_in_the_image_the_build_fails_clearly_and_cleans(machine_sim, tmp_path):
    project(tmp_path)
    options = """
    playbook_file           = "site.yml"
    staging_directory       = "/tmp/staged"
    clean_staging_directory = true
"""
    result = build_locally(bsu_build("ansible-local-none", local_block(options)),
                           sim_data_dir=machine_sim.data_dir, workdir=tmp_path)
    assert result.returncode == 1, result.output
    assert ("ansible-playbook exited with status 127 in the VM (see its output above); "
            "ansible-local needs Ansible installed in the image") in result.output
    assert "Removing the staging directory..." in result.output
    assert "Traceback" not in result.output
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
