"""The Go plugin's SSH options on a real build: algorithm lists, the alias, the keypair name;
the files go over scp, the default ssh_file_transfer_method (the image has the scp program).
"""

from __future__ import annotations

import pytest

from osc_build.testing import build_locally
from osc_build_sim.testing import leftovers, running_simulator

TEMPLATE = """
source "outscale-bsu" "main" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Debian-12-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  omi_name                    = "go-ssh-{{timestamp}}"
  ssh_username                = "outscale"
  ssh_wait_timeout            = "2m"
  ssh_ciphers                 = ["aes256-ctr"]
  ssh_key_exchange_algorithms = ["curve25519-sha256"]
  temporary_key_pair_name     = "go-options-ci-key"
}
build {
  sources = ["source.outscale-bsu.main"]
  provisioner "file" {
    source      = "motd"
    destination = "/tmp/motd"
  }
  provisioner "file" {
    source      = "tree/"
    destination = "/tmp/tree"
  }
  provisioner "shell" {
    inline = ["cat /tmp/motd /tmp/tree/inner/leaf", "stat -c %a /tmp/motd"]
  }
  provisioner "file" {
    direction   = "download"
    source      = "/tmp/tree/inner/leaf"
    destination = "leaf.back"
  }
}
"""


@pytest.fixture(scope="module")
def machine_sim(tmp_path_factory):
    """Real VMs reachable over SSH on loopback."""
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine") as handle:
        yield handle


def test_alias_algorithm_lists_and_keypair_name(machine_sim, tmp_path):
    sim = machine_sim
    (tmp_path / "motd").write_text("hello over ssh\n")
    (tmp_path / "motd").chmod(0o640)
    (tmp_path / "tree" / "inner").mkdir(parents=True)
    (tmp_path / "tree" / "inner" / "leaf").write_text("leaf over ssh\n")
    result = build_locally(TEMPLATE, sim_data_dir=sim.data_dir, workdir=tmp_path,
                           env={"OSC_BUILD_LOG": "debug"})
    assert result.returncode == 0, result.output
    assert result.output.count("option 'ssh_wait_timeout' is deprecated; use 'ssh_timeout'") == 1
    assert "hello over ssh" in result.output and "leaf over ssh" in result.output
    assert "640" in result.output
    assert (tmp_path / "leaf.back").read_text() == "leaf over ssh\n"
    assert "go-options-ci-key" in result.output
    assert leftovers(sim) == {}
