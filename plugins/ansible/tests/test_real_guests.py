"""Real Debian guests: the Go plugin's official Ansible example installs Apache, and
`ansible-local` runs a role with a template and a handler inside the VM."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from osc_build.testing import build_locally, run_osc_build
from osc_build_sim.testing import leftovers

from .templates import DEBIAN, bsu_build

EXAMPLE = Path(__file__).resolve().parent / "data" / "bsu_ansible_provisioner"  # unchanged


def sim_ssh(sim, image_id: str, command: str, region: str) -> subprocess.CompletedProcess:
    """The README's way in: ``osc-build-sim ssh OMI COMMAND`` (VM deleted afterwards)."""
    return subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir",
                           str(sim.data_dir), "ssh", "--region", region, image_id, command],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_official_ansible_example_installs_apache(machine_sim, tmp_path):
    work = tmp_path / "bsu_ansible_provisioner"
    shutil.copytree(EXAMPLE, work)
    result = run_osc_build("build", "--local", "-var", "osc_source_image_name=Debian-12-*",
                           ".", cwd=work, timeout=1500,
                           env={"OSC_BUILD_SIM_DATA": str(machine_sim.data_dir)})
    assert result.returncode == 0, result.output
    assert "TASK [Install Apache]" in result.stdout
    assert "TASK [Ensure Apache is started and enabled on boot]" in result.stdout
    assert "Packer build completed at" in (work / "logs" / "packer_build.log").read_text()
    [image] = [i for i in machine_sim.resources("image")
               if i["ImageName"].startswith("Ubuntu-24.04-Apache-")
               and i["region"] == "us-east-2"]
    assert leftovers(machine_sim) == {}

    check = sim_ssh(machine_sim, image["ImageId"],
                    "dpkg-query -W -f='${Status}\\n' apache2; systemctl is-enabled apache2",
                    region="us-east-2")
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines() == ["install ok installed", "enabled"], check.stdout
    assert leftovers(machine_sim) == {}


LOCAL_BLOCKS = """
  provisioner "shell" {
    environment_vars = ["DEBIAN_FRONTEND=noninteractive"]
    execute_command  = "chmod +x {{.Path}}; sudo env {{.Vars}} {{.Path}}"
    inline = ["apt-get update -qq",
              "apt-get install -y -qq --no-install-recommends ansible-core"]
  }
  provisioner "ansible-local" {
    playbook_file           = "site.yml"
    role_paths              = ["roles/motd"]
    extra_arguments         = ["-e", "who=osc-build"]
    clean_staging_directory = true
    staging_directory       = "/tmp/ansible-staging"
  }
  provisioner "shell" {
    inline = ["cat /etc/motd-ansible", "cat /var/tmp/handler-ran",
              "test -e /tmp/ansible-staging || echo STAGING-GONE"]
  }
"""

ROLE = {
    "site.yml": "- hosts: all\n  become: true\n  roles: [motd]\n",
    "roles/motd/templates/motd.j2": "built by {{ who }} on {{ ansible_distribution }}\n",
    "roles/motd/tasks/main.yml": (
        "- name: Write the motd\n  ansible.builtin.template:\n    src: motd.j2\n"
        "    dest: /etc/motd-ansible\n  notify: motd changed\n"),
    "roles/motd/handlers/main.yml": (
        "- name: motd changed\n  ansible.builtin.copy:\n    content: \"yes\\n\"\n"
        "    dest: /var/tmp/handler-ran\n"),
}


@pytest.mark.slow
def test_ansible_local_runs_a_role_with_a_template_and_a_handler(machine_sim, tmp_path):
    for path, text in ROLE.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    result = build_locally(bsu_build("ansible-local-role", LOCAL_BLOCKS, image=DEBIAN),
                           sim_data_dir=machine_sim.data_dir, workdir=tmp_path, timeout=1500)
    assert result.returncode == 0, result.output
    assert "RUNNING HANDLER [motd : motd changed]" in result.stdout
    prefix = "    outscale-bsu.main: "
    shown = [line.removeprefix(prefix) for line in result.stdout.splitlines()]
    assert "built by osc-build on Debian" in shown
    assert "yes" in shown
    assert "STAGING-GONE" in shown
    assert leftovers(machine_sim) == {}
