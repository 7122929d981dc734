"""Issue 16's acceptance, with plain pip in fresh virtualenvs: each distribution installs from
its own directory with only what it declares, and does its job there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from osc_build_sim.testing import running_simulator

ROOT = Path(__file__).resolve().parents[1]


def fresh_venv(directory: Path, *members: str) -> Path:
    """A new virtualenv in DIRECTORY holding MEMBERS (workspace paths) and what they declare;
    returns its bin directory."""
    subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
    subprocess.run([str(directory / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", *(str(ROOT / m) for m in members)],
                   check=True, cwd=directory, timeout=600)
    return directory / "bin"


def run(bin_dir: Path, command: str, *args: str, cwd: Path, env: dict | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    """COMMAND of the venv, without the OSC_* variables of this environment."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("OSC_", "OUTSCALE_", "VIRTUAL_ENV", "PYTHON"))}
    return subprocess.run([str(bin_dir / command), *args], capture_output=True, text=True,
                          cwd=cwd, env={**clean, **(env or {})}, timeout=timeout)


# 1. pip install ./core: the CLI alone, no cloud code.

@pytest.fixture(scope="module")
def core_only(tmp_path_factory) -> Path:
    return fresh_venv(tmp_path_factory.mktemp("core-only") / "venv", "core")


@pytest.mark.slow
def test_core_alone_runs_and_imports_no_cloud_client(core_only, tmp_path):
    help_run = run(core_only, "osc-build", "--help", cwd=tmp_path)
    assert help_run.returncode == 0, help_run.stderr
    assert "build" in help_run.stdout and "validate" in help_run.stdout
    imported = run(core_only, "python", "-c", "import osc_build, sys; assert not any("
                   "m.startswith('osc_sdk_python') for m in sys.modules)", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    cloud = run(core_only, "python", "-c", "import osc_build_outscale", cwd=tmp_path)
    assert "No module named 'osc_build_outscale'" in cloud.stderr


@pytest.mark.slow
def test_core_alone_names_the_distribution_of_a_missing_builder(core_only, tmp_path):
    (tmp_path / "t.pkr.hcl").write_text((ROOT / "examples" / "quickstart.pkr.hcl").read_text())
    result = run(core_only, "osc-build", "validate", "t.pkr.hcl", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert "outscale-bsu" in line and "pip install osc-build-bsu" in line, line
    assert "Traceback" not in result.stdout + result.stderr


# 2. pip install ./outscale: the API client alone reads a simulator.

CLIENT_SCRIPT = """
from osc_build_outscale.client import OscClient, resolve_credentials

client = OscClient(resolve_credentials({}))  # OSC_ACCESS_KEY, OSC_SECRET_KEY, OSC_REGION, ...
images = client.paginate("ReadImages", "Images", Filters={"ImageNames": ["Debian-12*"]})
for image in images:
    print(image["ImageId"], image["ImageName"])
"""


@pytest.mark.slow
def test_outscale_client_alone_reads_images_from_a_simulator(tmp_path):
    bin_dir = fresh_venv(tmp_path / "venv", "outscale")
    core = run(bin_dir, "python", "-c", "import osc_build", cwd=tmp_path)
    assert "No module named 'osc_build'" in core.stderr
    (tmp_path / "images.py").write_text(CLIENT_SCRIPT)
    with running_simulator(tmp_path / "sim", profile="instant") as sim:
        result = run(bin_dir, "python", "images.py", cwd=tmp_path, env=sim.env())
        expected = {(i["ImageId"], i["ImageName"]) for i in sim.resources("image")
                    if i["ImageName"].startswith("Debian-12") and i["region"] == sim.region}
    assert result.returncode == 0, result.stderr
    assert expected, "the simulator has no public Debian 12 image to read"
    assert {tuple(line.split(" ", 1)) for line in result.stdout.splitlines()} == expected


# 3. pip install ./core ./outscale ./plugins/bsu ./sim: one builder, and the quickstart.

@pytest.fixture(scope="module")
def with_bsu(tmp_path_factory) -> Path:
    return fresh_venv(tmp_path_factory.mktemp("bsu") / "venv",
                      "core", "outscale", "plugins/bsu", "sim")


@pytest.mark.slow
def test_pip_install_core_and_one_builder(with_bsu, tmp_path):
    listed = run(with_bsu, "osc-build", "plugins", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["distribution"] for r in rows} <= {"osc-build-core", "osc-build-outscale",
                                                 "osc-build-bsu"}
    assert [(r["name"], r["status"]) for r in rows if r["kind"] in ("builder", "data source")] \
        == [("outscale-bsu", "ok")]
    assert {r["kind"] for r in rows if r["distribution"] == "osc-build-core"} <= {
        "provisioner", "post-processor"}

    other = run(with_bsu, "osc-build", "--builder", "outscale-chroot", cwd=tmp_path)
    assert other.returncode == 1
    assert other.stderr.strip() == ("Error: builder 'outscale-chroot' is not installed; "
                                    "install it with: pip install osc-build-chroot")


@pytest.mark.slow
def test_quickstart_builds_locally_from_a_pip_install(with_bsu, tmp_path):
    sim_data = {"OSC_BUILD_SIM_DATA": str(tmp_path / "sim")}
    try:
        result = run(with_bsu, "osc-build", "build", "--local", "-var", "omi_name=from-pip",
                     str(ROOT / "examples" / "quickstart.pkr.hcl"), cwd=tmp_path,
                     env=sim_data, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "built by osc-build" in result.stdout
        listed = run(with_bsu, "osc-build-sim", "--data-dir", str(tmp_path / "sim"), "ls",
                     "image", "--json", cwd=tmp_path)
        [image] = [i for i in json.loads(listed.stdout) if i["ImageName"] == "from-pip"]
        assert f"eu-west-2: {image['ImageId']}" in result.stdout
    finally:
        stopped = run(with_bsu, "osc-build-sim", "--data-dir", str(tmp_path / "sim"), "stop",
                      cwd=tmp_path)
    assert stopped.returncode == 0, stopped.stderr
