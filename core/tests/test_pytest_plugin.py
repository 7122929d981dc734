"""The public fixtures: a pytest plugin found by entry point, over pytest-free helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1]


def test_fixtures_are_registered_by_entry_point():
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins["osc-build"] == "osc_build.pytest_plugin"


def test_helpers_do_not_import_pytest():
    code = "import sys, osc_build.testing; assert 'pytest' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fake_plugins_ship_inside_the_package(fake_plugins):
    import osc_build

    assert fake_plugins.is_relative_to(osc_build.__path__[0])
    assert (fake_plugins / "osc_build_fake-1.0.dist-info" / "entry_points.txt").is_file()


PLUGIN_AUTHOR_TEST = '''
import json


def test_fake_builder_is_listed(run_cli, fake_plugins):
    result = run_cli("plugins", "--json", pythonpath=[fake_plugins])
    assert result.returncode == 0, result.stderr
    rows = {(r["kind"], r["name"]): r["status"] for r in json.loads(result.stdout)}
    assert rows[("builder", "fake-local")] == "ok"
'''


@pytest.mark.slow
def test_public_fixtures_work_from_an_installed_wheel(tmp_path):
    uv = os.environ.get("UV", "uv")
    subprocess.run([uv, "build", "--quiet", "--wheel", "--out-dir", str(tmp_path / "dist"),
                    str(CORE)], check=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("osc_build_core-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([uv, "pip", "install", "--quiet", "--python", python, str(wheel), "pytest"],
                   check=True, timeout=600)
    (tmp_path / "authors" / "test_plugin.py").parent.mkdir()
    (tmp_path / "authors" / "test_plugin.py").write_text(PLUGIN_AUTHOR_TEST)

    result = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "authors"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
