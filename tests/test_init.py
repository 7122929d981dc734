"""``osc-build init`` in a fresh environment that holds only the core (and the simulator to
build on): init installs the distributions behind required_plugins, then the build runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from osc_build_sim.testing import leftovers, running_simulator

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_MEMBERS = ("outscale", "plugins/bsu", "plugins/chroot", "plugins/surrogate",
                  "plugins/bsuvolume", "plugins/omi_source")


@pytest.mark.slow
def test_init_installs_the_required_plugins_then_the_build_works(tmp_path):
    # The distributions are not on PyPI: a wheelhouse stands for the index, as a company
    # mirror would (pip reads PIP_FIND_LINKS itself).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    wheels = tmp_path / "wheels"
    subprocess.run([python, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(wheels), *(str(ROOT / m) for m in PLUGIN_MEMBERS)],
                   check=True, timeout=600)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    str(ROOT / "core"), str(ROOT / "sim")], check=True, timeout=900)
    osc_build = str(venv / "bin" / "osc-build")
    env = {**os.environ, "PIP_FIND_LINKS": str(wheels), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env = {k: v for k, v in env.items() if not k.startswith(("OSC_", "VIRTUAL_ENV"))}

    missing = subprocess.run([osc_build, "plugins", "required", str(ROOT / "examples")],
                             capture_output=True, text=True, env=env, timeout=120)
    assert missing.returncode == 0, missing.stderr
    assert "(missing: osc-build-bsu" in missing.stdout

    init = subprocess.run([osc_build, "init", str(ROOT / "examples")], capture_output=True,
                          text=True, env={**env, "PACKER_PLUGIN_PATH": str(tmp_path)},
                          timeout=900)
    assert init.returncode == 0, init.stdout + init.stderr
    assert "==> Installing osc-build-outscale" not in init.stdout  # a dependency, not asked
    assert "==> Installing osc-build-bsu, osc-build-chroot" in init.stdout
    assert f"{python} -m pip install osc-build-bsu" in init.stdout  # says what it runs
    assert "PACKER_PLUGIN_PATH is set, but osc-build does not load plugin binaries" \
        in init.stderr
    again = subprocess.run([osc_build, "init", str(ROOT / "examples")], capture_output=True,
                           text=True, env=env, timeout=120)
    assert again.returncode == 0 and "already installed" in again.stdout

    with running_simulator(tmp_path / "sim", profile="instant", backend="machine") as sim:
        build = subprocess.run([osc_build, "build", "--local", "-var", "omi_name=after-init",
                                str(ROOT / "examples" / "quickstart.pkr.hcl")],
                               capture_output=True, text=True, cwd=tmp_path, timeout=600,
                               env={**env, "OSC_BUILD_SIM_DATA": str(sim.data_dir)})
        assert build.returncode == 0, build.stdout + build.stderr
        assert [i["ImageName"] for i in sim.resources("image")
                if i["ImageName"] == "after-init"] == ["after-init"]
        assert leftovers(sim) == {}


def test_unknown_source_and_unmet_version_are_one_clear_error(tmp_path, run_cli):
    template = tmp_path / "t.pkr.hcl"
    template.write_text('packer {\n  required_plugins {\n'
                        '    amazon = { source = "github.com/hashicorp/amazon" }\n'
                        '    outscale = { source = "github.com/outscale/outscale", '
                        'version = ">= 9.0" }\n  }\n}\n')
    result = run_cli("init", str(template))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {template}:3: plugin 'amazon' (github.com/hashicorp/amazon): no known "
        "osc-build distribution provides it; install one that declares it, or remove the "
        "requirement",
        f"Error: {template}:4: plugin 'outscale' (github.com/outscale/outscale) version "
        "'>= 9.0': osc-build's distributions match 1.5.0"]


def test_no_requirement_is_said_and_succeeds(tmp_path, run_cli):
    template = tmp_path / "t.pkr.hcl"
    template.write_text('source "outscale-bsu" "a" {}\n')
    result = run_cli("init", str(template))
    assert result.returncode == 0
    assert "No plugins requirement found" in result.stdout
