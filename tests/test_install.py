"""Installing the core plus one plugin with plain pip gives exactly that plugin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_pip_install_core_and_one_plugin(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    subprocess.run([*pip, str(ROOT / "core"), str(ROOT / "core/tests/data/fake-plugins")],
                   check=True, cwd=tmp_path, timeout=600)
    osc_build = str(venv / "bin" / "osc-build")

    listed = subprocess.run([osc_build, "plugins", "--json"], capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    rows = json.loads(listed.stdout)
    assert {r["distribution"] for r in rows} == {"osc-build-fake"}
    assert {(r["kind"], r["name"]) for r in rows} == {
        ("builder", "fake-local"), ("builder", "fake-broken"), ("provisioner", "fake-shell"),
        ("plugin", "fake")}

    built = subprocess.run([osc_build, "--builder", "fake-local", "--set",
                            f"output_dir={tmp_path / 'out'}"], capture_output=True, text=True,
                           cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / "content.txt").read_text() == "hello"

    other = subprocess.run([osc_build, "--builder", "outscale-bsu"], capture_output=True,
                           text=True, cwd=tmp_path)
    assert other.returncode == 1
    assert other.stderr.strip() == ("Error: builder 'outscale-bsu' is not installed; "
                                    "install it with: pip install osc-build-bsu")
