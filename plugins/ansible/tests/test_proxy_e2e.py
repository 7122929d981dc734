"""`use_proxy = true` end to end: ansible-playbook talks to the local SSH proxy, which relays
to a simulator VM over the build's own connection. Raw plays on the minimal image (no
Python there); file transfers (SFTP and scp) on a real Debian guest (slow)."""

from __future__ import annotations

import json
import re

import pytest

from osc_build.testing import build_locally
from osc_build_sim.testing import leftovers

from .templates import DEBIAN, bsu_build

PREFIX = "    outscale-bsu.main: "

RAW_PLAY = """
- hosts: default
  gather_facts: false
  tasks:
    - name: Who am I
      ansible.builtin.raw: echo hello-from-$(id -un); echo to-stderr >&2
      register: who
    - name: Show the relayed output
      ansible.builtin.debug:
        msg: "out={{ who.stdout_lines | join(',') }} rc={{ who.rc }}
              host={{ ansible_host }} key={{ lookup('pipe', 'stat -c %a '
              ~ ansible_ssh_private_key_file) }} inventory={{ lookup('pipe', 'stat -c %a '
              ~ inventory_file) }}"
    - name: Print the key Ansible logs in with
      ansible.builtin.debug:
        msg: "{{ lookup('file', ansible_ssh_private_key_file) }}"
    - name: A non-zero status comes back
      ansible.builtin.raw: exit 4
      register: four
      failed_when: four.rc != 4
    - name: Send a module
      ansible.builtin.ping:
"""


def build(sim, tmp_path, build_tmp, template):
    log_file = tmp_path / "osc-build.log"
    result = build_locally(template, sim_data_dir=sim.data_dir, workdir=tmp_path,
                           env={"TMPDIR": str(build_tmp), "OSC_BUILD_LOG_PATH": str(log_file),
                                "OSC_BUILD_LOG": "debug"}, timeout=1500)
    return result, log_file.read_text() if log_file.exists() else ""


def streamed(result) -> list[str]:
    return [line.removeprefix(PREFIX) for line in result.stdout.splitlines()
            if line.startswith(PREFIX)]


@pytest.mark.slow  # a full build; the isolated pass of CI need not run it again
def test_a_raw_play_through_the_proxy_then_a_module_the_vm_has_no_scp_for(machine_sim, tmp_path,
                                                                        build_tmp):
    """Commands relay with their output and status; the VM has no scp (removed first), so
    the first module sent (use_sftp = false) fails, and the error says what to change; the
    proxy's key and the inventory are gone all the same."""
    (tmp_path / "play.yml").write_text(RAW_PLAY)
    result, log = build(machine_sim, tmp_path, build_tmp, bsu_build(
        "ansible-proxy-raw",
        '  provisioner "shell" {\n    inline = ["sudo rm -f \\"$(command -v scp)\\""]\n  }\n'
        '  provisioner "ansible" {\n    playbook_file = "play.yml"\n    use_proxy = true\n'
        '    use_sftp = false\n  }'))
    assert result.returncode == 1, result.output
    assert re.search(r"==> outscale-bsu\.main: Ansible connects to the local SSH proxy on "
                     r"127\.0\.0\.1:\d+, which relays to the VM\n", result.stdout)
    lines = streamed(result)
    [shown] = [line for line in lines if '"msg": "out=' in line]
    # stdout and stderr of the VM's command (a terminal merges them, as ssh -tt does)
    assert "hello-from-outscale" in shown and "to-stderr" in shown and "rc=0" in shown
    assert "host=127.0.0.1 key=600 inventory=600" in shown
    # The proxy's key, printed by the play itself, shows redacted; no key anywhere in the log.
    [key_line] = [line for line in lines if "PRIVATE KEY-----" in line]
    assert re.search(r'"-----BEGIN EC PRIVATE KEY-----\\n(<redacted>\\n)+'
                     r'-----END EC PRIVATE KEY-----"', key_line), key_line
    # The VM's key (whatever its form) never shows: Ansible never had it.
    assert not re.search(r"BEGIN (RSA |OPENSSH |DSA |)PRIVATE KEY", result.output + log)
    assert "PRIVATE KEY-----\n" not in log
    assert "TASK [A non-zero status comes back]" in result.stdout
    [error] = [line for line in result.output.splitlines()
               if line.startswith("--> outscale-bsu.main: provisioner 'ansible' failed")]
    assert 'ansible-playbook failed: task "Send a module" failed on host default' in error
    assert error.endswith("(ansible-playbook exited with status 2); the VM has no scp (use_sftp "
                          "= false sends files with scp); install it in the image "
                          "(openssh-client) or set use_sftp = true"), error
    assert "Traceback" not in result.output
    assert not [i for i in machine_sim.resources("image") if i["ImageName"] == "ansible-proxy-raw"]
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
    assert list(build_tmp.iterdir()) == []  # proxy key, inventory, Ansible's files: gone


DEBIAN_PLAY = """
- hosts: default
  gather_facts: false
  become: true
  tasks:
    - name: Copy a file ({{ how }})
      ansible.builtin.copy:
        content: "sent {{ how }}\\n"
        dest: "/etc/osc-build-{{ how }}.txt"
        mode: "0640"
    - name: Run a command
      ansible.builtin.command: stat -c '%a %U {{ how }}' /etc/osc-build-{{ how }}.txt
      register: mode
    - name: Show it
      ansible.builtin.debug:
        msg: "{{ mode.stdout }}"
"""

DEBIAN_BLOCKS = """
  provisioner "ansible" {
    playbook_file   = "play.yml"
    use_proxy       = true
    use_sftp        = true
    extra_arguments = ["-e", "how=sftp"]
  }
  provisioner "ansible" {
    playbook_file   = "play.yml"
    use_proxy       = true
    use_sftp        = false
    extra_arguments = ["-e", "how=scp"]
  }
  provisioner "shell" {
    inline = ["sudo cat /etc/osc-build-sftp.txt /etc/osc-build-scp.txt"]
  }
"""


@pytest.mark.slow
def test_files_go_over_sftp_and_scp_through_the_proxy_on_debian(machine_sim, tmp_path,
                                                                build_tmp):
    (tmp_path / "play.yml").write_text(DEBIAN_PLAY)
    result, log = build(machine_sim, tmp_path, build_tmp,
                        bsu_build("ansible-proxy-debian", DEBIAN_BLOCKS, image=DEBIAN))
    assert result.returncode == 0, result.output
    lines = streamed(result)
    assert '"msg": "640 root sftp"' in "\n".join(lines)
    assert '"msg": "640 root scp"' in "\n".join(lines)
    assert "sent sftp" in lines and "sent scp" in lines
    # The files went through the proxy: the VM's SFTP server, then the VM's scp, ran.
    assert "ssh proxy: running on the VM: /usr/lib/sftp-server -e" in log
    assert re.search(r"ssh proxy: running on the VM: scp (-\w+ )*-t ", log)
    assert "PRIVATE KEY-----\n" not in result.output + log
    assert leftovers(machine_sim) == {}, json.dumps(leftovers(machine_sim))
    assert list(build_tmp.iterdir()) == []
