""".ci/isolated (CI's second stage): a member whose tests import what it does not declare
fails there, though the workspace environment would hold it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

WORKSPACE = """
[tool.uv.workspace]
members = ["member"]

[tool.pytest]
addopts = ["-ra", "-p", "not_installed_here.testing"]
"""
MEMBER = """
[project]
name = "member"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[dependency-groups]
test = {test}

[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"
"""


def isolated(workspace: Path, test_group: list[str]) -> subprocess.CompletedProcess:
    (workspace / "member" / "pyproject.toml").write_text(
        MEMBER.replace("{test}", json.dumps(test_group)))
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    return subprocess.run([sys.executable, str(workspace / ".ci" / "isolated")], cwd=workspace,
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_an_undeclared_test_dependency_fails_alone(tmp_path):
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "isolated", tmp_path / ".ci" / "isolated")
    (tmp_path / "pyproject.toml").write_text(WORKSPACE)
    (tmp_path / "member" / "src" / "member").mkdir(parents=True)
    (tmp_path / "member" / "src" / "member" / "__init__.py").write_text("")
    (tmp_path / "member" / "tests").mkdir()
    (tmp_path / "member" / "tests" / "test_it.py").write_text(
        "import yaml\n\n\ndef test_it():\n    assert yaml.safe_load('a: 1') == {'a': 1}\n")

    undeclared = isolated(tmp_path, ["pytest>=9.0"])
    assert undeclared.returncode == 1, undeclared.stdout + undeclared.stderr
    assert "No module named 'yaml'" in undeclared.stdout
    assert "FAIL member" in undeclared.stdout

    declared = isolated(tmp_path, ["pytest>=9.0", "pyyaml>=6.0"])
    assert declared.returncode == 0, declared.stdout + declared.stderr
    assert "1 passed" in declared.stdout  # and -p of a plugin this env lacks was left out
    assert "ok   member" in declared.stdout
