"""The inspect, fmt and console commands, run as `osc-build` in a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from .corpus import CORPUS


def osc_build(*args: str, cwd=CORPUS, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "osc_build", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)


def test_inspect_json_matches_the_corpus_expectation() -> None:
    result = osc_build("inspect", "--json", "sensitive.pkr.hcl")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = json.loads((CORPUS / "sensitive.expected.json").read_text())
    assert data == expected
    assert "s3cr3t" not in result.stdout


def test_inspect_text_with_variables_from_the_command_line() -> None:
    result = osc_build("inspect", "-var-file", "anchor-bsu/variables.auto.pkrvars.hcl",
                       "-var", "region=eu-west-2", "anchor-bsu/osc-bsu.pkr.hcl")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Packer Inspect: HCL2 mode\n")
    assert 'var.region: "eu-west-2"' in result.stdout
    assert "      outscale-bsu.bsu\n" in result.stdout


def test_inspect_reports_template_errors_with_location() -> None:
    result = osc_build("inspect", "error-unknown-variable.pkr.hcl")
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "error-unknown-variable.pkr.hcl:5:15: Reference to undeclared input variable" \
        in output


def test_fmt_check_diff_and_write(tmp_path) -> None:
    target = tmp_path / "t.pkr.hcl"
    target.write_text('locals {\na=1\n  longer = 2\n}\n')
    check = osc_build("fmt", "-check", "-diff", str(target), cwd=tmp_path)
    assert check.returncode == 3
    assert "+  a      = 1" in check.stdout
    assert target.read_text() == 'locals {\na=1\n  longer = 2\n}\n'
    write = osc_build("fmt", str(tmp_path), cwd=tmp_path)
    assert write.returncode == 0 and str(target) in write.stdout
    assert target.read_text() == 'locals {\n  a      = 1\n  longer = 2\n}\n'
    assert osc_build("fmt", "-check", str(target), cwd=tmp_path).returncode == 0


def test_fmt_recursive_leaves_canonical_files_alone(tmp_path) -> None:
    shutil.copytree(CORPUS / "anchor-bsu", tmp_path / "sub" / "anchor")
    result = osc_build("fmt", "-check", "-recursive", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""


def test_console_prints_the_last_result_of_piped_input() -> None:
    result = osc_build("console", "-var", "region=eu-west-2", "strings.pkr.hcl",
                       stdin="1 + 1\nupper(var.region)\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "EU-WEST-2\n"
    listing = osc_build("console", "sensitive.pkr.hcl", stdin="variables\n")
    assert 'var.secret_key: "<sensitive>"' in listing.stdout
    assert "s3cr3t" not in listing.stdout
