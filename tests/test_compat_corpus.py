"""The Packer compatibility corpus (tests/compat): each case through the real osc-build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from osc_build.testing import run_osc_build

CASES = Path(__file__).resolve().parent / "compat" / "cases"
NAMES = sorted(p.name.removesuffix(".json") for p in CASES.glob("*.json"))
# The user's environment must not leak into the expected answers.
CLEAN_ENV = {"PACKER_LOG": "", "PACKER_LOG_PATH": "", "OSC_BUILD_LOG": "", "NO_COLOR": "",
             "PACKER_NO_COLOR": "", "PACKER_PLUGIN_PATH": "", "HCP_PACKER_REGISTRY": ""}


def test_the_corpus_is_large_enough():
    assert len(NAMES) >= 60


@pytest.fixture(scope="module")
def test_key(tmp_path_factory) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption())


@pytest.mark.parametrize("name", NAMES)
def test_case(name, tmp_path, test_key):
    case = json.loads((CASES / f"{name}.json").read_text())
    template = tmp_path / "template.pkr.hcl"
    source = CASES / f"{name}.pkr.hcl"
    if source.exists():
        template.write_text(source.read_text().replace("{here}", str(tmp_path)))
        (tmp_path / "id_test").write_bytes(test_key)
        (tmp_path / "id_test").chmod(0o600)
    args = [arg.replace("{template}", str(template)) for arg in case["args"]]
    result = run_osc_build(*args, cwd=tmp_path, input=case.get("stdin"),
                           env={**CLEAN_ENV, **case.get("env", {})})
    stdout = result.stdout.replace(str(template), "{template}")
    stderr = result.stderr.replace(str(template), "{template}")
    assert result.returncode == case["exit"], result.output
    if "stdout" in case:
        assert stdout == case["stdout"]
    if "stdout_re" in case:
        assert re.fullmatch(case["stdout_re"], stdout), stdout
    if "stderr" in case:
        assert stderr.splitlines() == case["stderr"]
    if "stderr_re" in case:
        assert re.match(case["stderr_re"], stderr), stderr
