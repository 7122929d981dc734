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


def test_init_finds_the_ansible_requirement_installed(run_cli, tmp_path):
    (tmp_path / "build.pkr.hcl").write_text(
        'packer {\n  required_plugins {\n    ansible = {\n      version = "~> 1"\n'
        '      source  = "github.com/hashicorp/ansible"\n    }\n  }\n}\n')
    result = run_cli("init", "build.pkr.hcl", cwd=tmp_path)
    assert result.returncode == 0, result.output
    assert result.stdout == ("github.com/hashicorp/ansible 1.1.4 (osc-build-ansible): "
                             "already installed\n")
