"""`osc-build build --local` of Windows templates: WinRM to the simulator's Windows guest.

The simulator's Windows VMs serve WinRM on their loopback address once user data enabled
Basic authentication, generate an administrator password at first boot (ReadAdminPassword,
encrypted for the keypair) and interpret the command subset of docs/simulator-fidelity.md.
"""

from __future__ import annotations

import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import leftovers, running_simulator

from .templates import ENABLE_WINRM, MINIMAL, windows_build

WRONG = "Wrong-winrm-sentinel-42"

PROVISIONERS = """
  provisioner "powershell" {
    inline = [
      "Write-Output \\"inline on $env:PACKER_BUILD_NAME\\"",
      "New-Item -ItemType Directory -Path 'C:\\\\ProgramData\\\\osc-build' -Force",
      "Set-Content -Path 'C:\\\\ProgramData\\\\osc-build\\\\pw.txt' -Value '${build.Password}'",
    ]
  }
  provisioner "powershell" {
    script           = "setup.ps1"
    environment_vars = ["APP_NAME=sample app"]
  }
  provisioner "windows-shell" {
    inline = ["echo shell says %GREETING%"]
    environment_vars = ["GREETING=hello"]
  }
  provisioner "windows-restart" {
    restart_timeout = "3m"
  }
  provisioner "powershell" {
    inline = ["Get-Content 'C:\\\\app\\\\name.txt'"]
  }
  provisioner "file" {
    source      = "motd.txt"
    destination = "C:/ProgramData/osc-build/motd.txt"
  }
  provisioner "file" {
    direction   = "download"
    source      = "C:/ProgramData/osc-build/pw.txt"
    destination = "downloaded-pw.txt"
  }
  provisioner "powershell" {
    inline = ["Remove-Item 'C:\\\\ProgramData\\\\osc-build\\\\pw.txt' -Force"]
  }
"""

SETUP_PS1 = """New-Item -ItemType Directory -Path 'C:\\app' -Force
Set-Content -Path 'C:\\app\\name.txt' -Value $env:APP_NAME
Write-Output "configured $env:APP_NAME"
"""


@pytest.fixture(scope="module")
def windows_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine") as handle:
        yield handle


def build(sim, tmp_path, template, *args, timeout=600, env=None):
    """``osc-build build --local`` at debug verbosity; -debug's pauses get their Enter."""
    log_file = tmp_path / "osc-build.log"
    path = tmp_path / "build.pkr.hcl"
    path.write_text(template)
    result = run_osc_build("build", "--local", *args, str(path), cwd=tmp_path, timeout=timeout,
                           input="\n" * 40,
                           env={"OSC_BUILD_SIM_DATA": str(sim.data_dir),
                                "OSC_BUILD_LOG_PATH": str(log_file), "OSC_BUILD_LOG": "debug",
                                "PACKER_LOG": "1", **(env or {})})
    return result, log_file.read_text() if log_file.exists() else ""


def build_errors(result) -> list[str]:
    """The build's error, as the final summary lists it (one line), without a traceback."""
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    start = lines.index("==> Some builds didn't complete successfully and had errors:")
    section = lines[start + 1:]
    section = section[:section.index("")] if "" in section else section
    errors = [line for line in section if line.startswith("--> ")]
    assert len(errors) == 1, result.stdout
    return errors


def images_named(sim, name):
    return [i for i in sim.resources("image") if i["ImageName"] == name]


@pytest.mark.slow
def test_a_windows_template_builds_and_its_omi_keeps_the_uploaded_file(windows_sim, tmp_path):
    (tmp_path / "setup.ps1").write_text(SETUP_PS1)
    (tmp_path / "motd.txt").write_text("built over WinRM\n")
    result, log = build(windows_sim, tmp_path, windows_build("win-e2e", PROVISIONERS), "-debug")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "Waiting for the Windows password of VM" in out
    assert "Connected to WinRM!" in out
    assert "inline on win" in out
    assert "configured sample app" in out
    assert "shell says hello" in out
    assert "Machine successfully restarted, moving on" in out
    assert "sample app" in out.split("Machine successfully restarted")[1]  # C: survived
    password = (tmp_path / "downloaded-pw.txt").read_text().strip()
    assert len(password) >= 8
    assert "saved the temporary private key" in out  # -debug is on
    files = [p.read_text(errors="replace") for p in tmp_path.rglob("*")
             if p.is_file() and p.name != "downloaded-pw.txt"]
    for text in (result.stdout, result.stderr, log, *files):  # the sentinel: the real password
        assert password not in text
    assert leftovers(windows_sim) == {}
    [image] = images_named(windows_sim, "win-e2e")

    # A VM of the new OMI has the uploaded file (and the restart kept the script's file);
    # this time over HTTPS (5986), the guest's certificate signed by the simulator's CA.
    check = """
  provisioner "powershell" {
    inline = ["Get-Content 'C:\\\\ProgramData\\\\osc-build\\\\motd.txt'",
              "Get-Content 'C:\\\\app\\\\name.txt'",
              "if (Test-Path 'C:\\\\ProgramData\\\\osc-build\\\\pw.txt') { exit 7 }"]
  }
"""
    again, _ = build(windows_sim, tmp_path, windows_build(
        "win-e2e-check", check, source_omi=image["ImageId"],
        extra="  skip_create_omi = true\n  winrm_use_ssl = true"),
        env={"REQUESTS_CA_BUNDLE": windows_sim.ca_file})
    assert again.returncode == 0, again.stderr[-3000:]
    assert "WinRM address: https://" in again.stdout and ":5986/wsman" in again.stdout
    assert "built over WinRM" in again.stdout and "sample app" in again.stdout
    assert leftovers(windows_sim) == {}


@pytest.mark.slow
def test_wrong_winrm_password_is_one_clear_error_and_nothing_is_left(windows_sim, tmp_path):
    result, log = build(windows_sim, tmp_path, windows_build(
        "win-wrong-pw", '  provisioner "powershell" {\n    inline = ["echo no"]\n  }',
        extra=f'  winrm_password = "{WRONG}"', winrm_timeout="15s"))
    assert result.returncode == 1
    errors = build_errors(result)
    assert "timeout waiting for WinRM at http://" in errors[0]
    assert "after winrm_timeout (15s)" in errors[0]
    assert "the credentials were refused (HTTP 401); check winrm_username and winrm_password" \
        in errors[0]
    for text in (result.stdout, result.stderr, log):
        assert WRONG not in text
    assert leftovers(windows_sim) == {}
    assert images_named(windows_sim, "win-wrong-pw") == []


@pytest.mark.slow
def test_winrm_never_answering_is_one_clear_error_and_nothing_is_left(windows_sim, tmp_path):
    result, _ = build(windows_sim, tmp_path, windows_build(
        "win-no-winrm", '  provisioner "powershell" {\n    inline = ["echo no"]\n  }',
        extra="  winrm_port = 5999", winrm_timeout="5s"))
    assert result.returncode == 1
    errors = build_errors(result)
    assert ":5999/wsman" in errors[0] and "raise winrm_timeout" in errors[0]
    assert leftovers(windows_sim) == {}
    assert images_named(windows_sim, "win-no-winrm") == []


@pytest.mark.slow
def test_windows_password_timeout_exceeded_is_one_clear_error(windows_sim, tmp_path):
    # A Linux image: the VM never has a Windows password to return.
    result, _ = build(windows_sim, tmp_path, windows_build(
        "win-no-password", '  provisioner "powershell" {\n    inline = ["echo no"]\n  }',
        image=MINIMAL, extra='  windows_password_timeout = "6s"'))
    assert result.returncode == 1
    errors = build_errors(result)
    assert "returned no Windows password within windows_password_timeout (6s)" in errors[0]
    assert leftovers(windows_sim) == {}
    assert images_named(windows_sim, "win-no-password") == []


VOLUME_BUILD = """
source "outscale-bsuvolume" "vol" {
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Windows-Server-2022-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator   = "winrm"
  winrm_username = "Administrator"
  winrm_timeout  = "3m"
  user_data      = <<-EOT
%s
  EOT
  bsu_volumes {
    device_name = "/dev/xvdb"
    volume_size = 1
  }
}
build {
  sources = ["source.outscale-bsuvolume.vol"]
  provisioner "powershell" {
    inline = ["Write-Output \\"volume build as $env:PACKER_BUILDER_TYPE\\""]
  }
}
"""


@pytest.mark.slow
def test_the_password_step_serves_the_bsuvolume_builder_too(windows_sim, tmp_path):
    result, _ = build(windows_sim, tmp_path, VOLUME_BUILD % ENABLE_WINRM)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Windows password of VM" in result.stdout
    assert "volume build as outscale-bsuvolume" in result.stdout
    [volume] = leftovers(windows_sim)["volume"]  # the artifact, and nothing else
    assert leftovers(windows_sim) == {"volume": [volume]}
    windows_sim.gateway().DeleteVolume(VolumeId=volume)
