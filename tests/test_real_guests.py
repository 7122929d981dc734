"""Real guests: the Go plugin's bsu_shell_provisioner example (apt-get install nginx,
systemctl enable nginx) builds under --local on a real Debian 12 guest, and its image
boots with nginx enabled under systemd. Guests reach package archives and nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from osc_build.testing import run_osc_build
from osc_build_sim.testing import leftovers, running_simulator

EXAMPLE = Path(__file__).resolve().parent / "data" / "bsu_shell_provisioner"
# From inside the guest: through the archive proxy apt uses, to a host that is no archive.
FETCH = ("python3 -c 'import urllib.request as u, urllib.error as e\n"
         "o = u.build_opener(u.ProxyHandler({\"http\": \"http://127.0.0.1:3128\"}))\n"
         "try:\n    print(o.open(\"{url}\", timeout=20).status)\n"
         "except e.HTTPError as error:\n    print(error.code)'")


@pytest.fixture(scope="module")
def machine_sim(tmp_path_factory):
    with running_simulator(tmp_path_factory.mktemp("sim"), profile="instant",
                           backend="machine") as handle:
        yield handle


def sim_ssh(sim, image_id: str, command: str, region: str = "eu-west-2"
            ) -> subprocess.CompletedProcess:
    """The README's way in: ``osc-build-sim ssh OMI COMMAND`` (VM deleted afterwards)."""
    return subprocess.run([sys.executable, "-m", "osc_build_sim", "--data-dir",
                           str(sim.data_dir), "ssh", "--region", region, image_id, command],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_official_shell_provisioner_example_installs_nginx_on_a_real_debian(machine_sim,
                                                                           tmp_path):
    work = tmp_path / "bsu_shell_provisioner"
    shutil.copytree(EXAMPLE, work)
    result = run_osc_build("build", "--local", "-var", "osc_source_image_name=Debian-12-*",
                           ".", cwd=work, timeout=1200,  # the directory: as `packer build .`
                           env={"OSC_BUILD_SIM_DATA": str(machine_sim.data_dir)})
    assert result.returncode == 0, result.output
    assert "octl (osc-build test stand-in)" in result.stdout  # the replaced script ran
    assert "nginx version: nginx/" in result.output  # the example's own `nginx -v`
    [image] = [i for i in machine_sim.resources("image")
               if i["ImageName"].startswith("Ubuntu-24.04-OAPI-") and i["region"] == "us-east-2"]
    assert leftovers(machine_sim) == {}

    check = sim_ssh(machine_sim, image["ImageId"], "; ".join([
        "nginx -v 2>&1",
        "systemctl is-enabled nginx",
        "sudo systemctl start nginx",
        "systemctl is-active nginx",
        "python3 -c 'import urllib.request as u; print(u.urlopen(\"http://127.0.0.1:80/\","
        " timeout=10).status)'",
        "cat /etc/os-release | grep ^VERSION_CODENAME",
        "ps -p 1 -o comm=",
    ]), region="us-east-2")  # the example's region
    assert check.returncode == 0, check.stderr
    lines = check.stdout.splitlines()
    assert lines[0].startswith("nginx version: nginx/"), check.stdout
    assert lines[1:] == ["enabled", "active", "200", "VERSION_CODENAME=bookworm", "systemd"], \
        check.stdout
    assert leftovers(machine_sim) == {}


@pytest.mark.slow
def test_a_guest_reaches_package_archives_and_nothing_else(machine_sim):
    gw = machine_sim.gateway()
    [image] = gw.ReadImages(Filters={"ImageNames": ["Debian-12-2026.01.15-0"]})["Images"]
    check = sim_ssh(machine_sim, image["ImageId"], "; ".join([
        FETCH.replace("{url}", "http://example.com/"),
        FETCH.replace("{url}", "http://deb.debian.org/debian/dists/bookworm/Release"),
        # No route of its own: only the proxy leads out.
        "python3 -c 'import socket; socket.create_connection((\"93.184.215.14\", 80), 5)'"
        " 2>/dev/null && echo direct-open || echo direct-refused",
        "cat /etc/apt/apt.conf.d/90osc-build-sim-proxy",
    ]))
    assert check.returncode == 0, check.stderr
    lines = check.stdout.splitlines()
    assert lines[:3] == ["403", "200", "direct-refused"], check.stdout
    assert 'Acquire::http::Proxy "http://127.0.0.1:3128/";' in lines
    log = (machine_sim.data_dir / "serve.log").read_text()
    assert "archive proxy: refused GET http://example.com/" in log
