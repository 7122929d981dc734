"""`required_plugins` source github.com/hashicorp/ansible maps to this distribution."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"


def test_the_ansible_source_is_provided_by_this_distribution(run_cli):
    result = run_cli("plugins", "installed")
    assert result.returncode == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "github.com/hashicorp/ansible" in line]
    assert "osc-build-ansible" in line


def test_the_official_example_requires_nothing_missing(run_cli):
    result = run_cli("plugins", "required", str(DATA / "bsu_ansible_provisioner"
                                                / "ubuntu-apache.pkr.hcl"))
    assert result.returncode == 0, result.output
    [line] = [line for line in result.stdout.splitlines() if "hashicorp/ansible" in line]
    assert "osc-build-ansible" in line, result.stdout
