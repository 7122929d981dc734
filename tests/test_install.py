"""Installing the core plus one builder with plain pip gives exactly that builder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_pip_install_core_and_one_builder(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    subprocess.run([*pip, str(ROOT / "core"), str(ROOT / "plugins" / "bsu")],
                   check=True, cwd=tmp_path, timeout=600)
    osc_build = str(venv / "bin" / "osc-build")

    listed = subprocess.run([osc_build, "plugins", "--json"], capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    rows = json.loads(listed.stdout)
    assert {r["distribution"] for r in rows} == {"osc-build-core", "osc-build-bsu"}
    assert [(r["name"], r["status"]) for r in rows if r["kind"] in ("builder", "data source")] \
        == [("outscale-bsu", "ok")]
    assert {r["kind"] for r in rows if r["distribution"] == "osc-build-core"} <= {
        "provisioner", "post-processor"}

    other = subprocess.run([osc_build, "--builder", "outscale-chroot"], capture_output=True,
                           text=True, cwd=tmp_path)
    assert other.returncode == 1
    assert other.stderr.strip() == ("Error: builder 'outscale-chroot' is not installed; "
                                    "install it with: pip install osc-build-chroot")
    help_text = subprocess.run([osc_build, "--help"], capture_output=True, text=True,
                               check=True, cwd=tmp_path).stdout
    assert "build" in help_text and "validate" in help_text
