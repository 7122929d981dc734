"""`osc-build build --local` with provisioner "ansible": ansible-playbook on this machine,
over SSH to a simulator VM. The plays use `raw` tasks and controller-side `debug`, which
need no Python in the guest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
from pathlib import Path

from osc_build.testing import build_locally
from osc_build_sim.testing import leftovers

from .templates import ansible_build

SECRET = "tok-9f8e7d6c5b4a"


GOOD_PLAY = """
- name: Raw play
  hosts: web
  gather_facts: false
  roles:
    - greeter
  tasks:
    - name: Who am I
      ansible.builtin.raw: echo hello-from-$(id -un)
      register: who
    - name: Show who
      ansible.builtin.debug:
        msg: "{{ who.stdout | trim }} greeting={{ greeting }}"
    - name: Show the secret variable
      ansible.builtin.debug:
        msg: "token is {{ lookup('env', 'MY_API_TOKEN') }}"
    - name: Show file modes
      ansible.builtin.debug:
        msg: "key={{ lookup('pipe', 'stat -c %a ' ~ ansible_ssh_private_key_file) }}
              inventory={{ lookup('pipe', 'stat -c %a ' ~ inventory_file) }}
              groups={{ group_names | join(',') }} empty={{ groups['nobody'] | length }}"
"""


def write_role_tarball(tmp_path: Path) -> Path:
    """A role `greeter` as Galaxy ships one, and a requirements file pointing at it."""
    role = tmp_path / "role-src" / "greeter"
    (role / "tasks").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "tasks" / "main.yml").write_text(
        "- name: Greet from the role\n  ansible.builtin.raw: echo greeted-by-role\n"
        "  register: greeted\n"
        "- name: Show the greeting\n  ansible.builtin.debug:\n"
        "    msg: \"{{ greeted.stdout | trim }}\"\n")
    (role / "meta" / "main.yml").write_text(
        "galaxy_info:\n  author: tests\n  description: greets\n  license: MIT\n"
        "  min_ansible_version: '2.16'\n  platforms: []\ndependencies: []\n")
    tarball = tmp_path / "greeter.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(role, arcname="greeter")
    requirements = tmp_path / "requirements.yml"
    requirements.write_text(f"roles:\n  - src: file://{tarball}\n    name: greeter\n")
    return requirements


def build(sim, tmp_path, build_tmp, omi_name, options, *args):
    log_file = tmp_path / "osc-build.log"
    result = build_locally(ansible_build(omi_name, options), *args,
                           sim_data_dir=sim.data_dir, workdir=tmp_path,
                           env={"TMPDIR": str(build_tmp), "OSC_BUILD_LOG_PATH": str(log_file),
                                "OSC_BUILD_LOG": "debug"})
    return result, log_file.read_text() if log_file.exists() else ""


def test_a_play_runs_against_the_vm_with_the_builds_key_and_inventory(machine_sim, tmp_path,
                                                                      build_tmp):
    (tmp_path / "play.yml").write_text(GOOD_PLAY)
    write_role_tarball(tmp_path)
    options = f"""
    playbook_file    = "./play.yml"
    groups           = ["web", "debian"]
    empty_groups     = ["nobody"]
    galaxy_file      = "requirements.yml"
    roles_path       = "galaxy-roles"
    extra_arguments  = ["-e", "greeting=bonjour"]
    ansible_env_vars = ["MY_API_TOKEN={SECRET}", "ANSIBLE_DISPLAY_SKIPPED_HOSTS=False"]
"""
    result, log = build(machine_sim, tmp_path, build_tmp, "ansible-raw-ok", options)
    assert result.returncode == 0, result.output
    prefix = "    outscale-bsu.main: "
    streamed = [line.removeprefix(prefix) for line in result.stdout.splitlines()
                if line.startswith(prefix)]
    assert any("TASK [greeter : Greet from the role]" in line for line in streamed)
    assert any('"msg": "greeted-by-role"' in line for line in streamed)
    assert any('"msg": "hello-from-outscale greeting=bonjour"' in line for line in streamed)
    [modes] = [line for line in streamed if '"msg": "key=' in line]
    assert "key=600 inventory=600 groups=debian,web empty=0" in modes
    assert (tmp_path / "galaxy-roles" / "greeter" / "tasks" / "main.yml").is_file()
    # The secret value is redacted in the output and the log, the private key never shows.
    assert SECRET not in result.output and SECRET not in log
    assert any('"msg": "token is ' in line for line in streamed)
    assert "PRIVATE KEY" not in result.output + log
    [image] = [i for i in machine_sim.resources("image") if i["ImageName"] == "ansible-raw-ok"]
    assert image["State"] == "available"
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
    assert list(build_tmp.iterdir()) == []  # key, inventory, Ansible's temporary files: gone


def test_a_failing_task_fails_the_build_with_its_name_and_host(machine_sim, tmp_path,
                                                             build_tmp):
    (tmp_path / "play.yml").write_text(
        "- hosts: default\n  gather_facts: false\n  tasks:\n"
        "    - name: Break on purpose\n      ansible.builtin.raw: echo failing; exit 3\n"
        "    - name: Never reached\n      ansible.builtin.raw: 'true'\n")
    result, _ = build(machine_sim, tmp_path, build_tmp, "ansible-raw-fail",
                      'playbook_file = "play.yml"')
    assert result.returncode == 1, result.output
    assert ('ansible-playbook failed: task "Break on purpose" failed on host default: '
            "non-zero return code (rc 3) (ansible-playbook exited with status 2)") in result.output
    assert "TASK [Never reached]" not in result.output
    assert "Traceback" not in result.output
    assert not [i for i in machine_sim.resources("image") if i["ImageName"] == "ansible-raw-fail"]
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
    assert list(build_tmp.iterdir()) == []


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in args:
            found.append(args)
    return found


def test_ctrl_c_during_a_play_stops_ansible_and_cleans_up(machine_sim, tmp_path, build_tmp):
    (tmp_path / "play.yml").write_text(
        "- hosts: default\n  gather_facts: false\n  tasks:\n"
        "    - name: Sleep for a long time\n      ansible.builtin.raw: sleep 600\n")
    (tmp_path / "build.pkr.hcl").write_text(
        ansible_build("ansible-interrupted", 'playbook_file = "play.yml"'))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSC_", "OUTSCALE_"))}
    env.update(OSC_BUILD_SIM_DATA=str(machine_sim.data_dir), TMPDIR=str(build_tmp))
    proc = subprocess.Popen([sys.executable, "-m", "osc_build", "build", "--local",
                             "build.pkr.hcl"], cwd=tmp_path, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "TASK [Sleep for a long time]" in line:
            break
    assert any("TASK [Sleep for a long time]" in line for line in seen), "".join(seen)
    assert _processes_mentioning(str(build_tmp))  # ansible-playbook, with its inventory there
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "deleted VM" in stderr
    assert _processes_mentioning(str(build_tmp)) == []  # no ansible-playbook, no ssh left
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
    assert not [i for i in machine_sim.resources("image")
                if i["ImageName"] == "ansible-interrupted"]
    assert list(build_tmp.iterdir()) == []


INVENTORY_TEMPLATE = ("{{ .HostAlias }} ansible_host={{ .Host }} ansible_port={{ .Port }} "
                      "ansible_user={{ .User }} custom_var=from-template\\n")


def test_inventory_options_command_and_version_check(machine_sim, tmp_path, build_tmp):
    (tmp_path / "play.yml").write_text(
        "- hosts: builder\n  gather_facts: false\n  tasks:\n"
        "    - name: Show the template's variable\n"
        "      ansible.builtin.debug:\n        msg: \"custom={{ custom_var }}\"\n")
    (tmp_path / "inv").mkdir()
    playbook = Path(sys.executable).parent / "ansible-playbook"
    options = f"""
    playbook_file           = "play.yml"
    host_alias              = "builder"
    inventory_directory     = "inv"
    keep_inventory_file     = true
    inventory_file_template = "{INVENTORY_TEMPLATE}"
    command                 = "{playbook}"
    skip_version_check      = true
    timeout                 = "5m"
"""
    result, _ = build(machine_sim, tmp_path, build_tmp, "ansible-inventory-options", options)
    assert result.returncode == 0, result.output
    assert "Using ansible-playbook" not in result.output  # skip_version_check
    assert '"msg": "custom=from-template"' in result.stdout
    [kept] = list((tmp_path / "inv").iterdir())
    assert f"Keeping the inventory file {kept}" in result.stdout
    assert kept.stat().st_mode & 0o777 == 0o600
    assert kept.read_text().startswith("builder ansible_host=127.")
    assert kept.read_text().rstrip().endswith("ansible_user=outscale custom_var=from-template")
    assert list(build_tmp.iterdir()) == []
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
