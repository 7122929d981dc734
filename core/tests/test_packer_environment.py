"""Packer's environment variables mean the same to osc-build: PACKER_LOG(_PATH), NO_COLOR,
PACKER_NO_COLOR and PACKER_CACHE_DIR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from osc_build.testing import run_osc_build
from osc_build.ui import Ui

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.pkr.hcl"
QUIET = {"PACKER_LOG": "", "OSC_BUILD_LOG": "", "PACKER_LOG_PATH": "", "NO_COLOR": "",
         "PACKER_NO_COLOR": "", "PACKER_CACHE_DIR": ""}


def test_packer_log_path_alone_sends_debug_logs_to_the_file(tmp_path):
    # As Packer's code does (its docs still ask for PACKER_LOG as well).
    log_file = tmp_path / "packer.log"
    result = run_osc_build("validate", str(QUICKSTART),
                           env={**QUIET, "PACKER_LOG_PATH": str(log_file)})
    assert result.returncode == 0, result.stderr
    assert " DEBUG " in log_file.read_text()
    assert " DEBUG " not in result.stderr  # the file gets the debug lines, the terminal not


def test_packer_log_alone_logs_to_stderr(tmp_path):
    result = run_osc_build("validate", str(QUICKSTART), env={**QUIET, "PACKER_LOG": "1"})
    assert result.returncode == 0
    assert " DEBUG " in result.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("variable", ["NO_COLOR", "PACKER_NO_COLOR"])
def test_no_color_variables_turn_colour_off(monkeypatch, variable):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("PACKER_NO_COLOR", raising=False)
    assert Ui("b", stream=Terminal()).color
    monkeypatch.setenv(variable, "1")
    assert not Ui("b", stream=Terminal()).color
    assert Ui("b", stream=Terminal(), color=True).color  # -color=true still wins


def test_packer_cache_dir_holds_what_osc_build_caches(tmp_path):
    cache = tmp_path / "packer_cache"
    template = tmp_path / "t.pkr.hcl"
    template.write_text(QUICKSTART.read_text() + "\n# edited: not in any cache yet\n")
    result = run_osc_build("validate", str(template),
                           env={**QUIET, "PACKER_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stderr
    assert any(cache.rglob("*")), "nothing cached in PACKER_CACHE_DIR"
