"""Where the chroot builder runs: root, the metadata service, this VM in the API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .helpers import cloud_leftovers, machine_leftovers

pytestmark = pytest.mark.slow

TEMPLATE = """
source "outscale-chroot" "main" {
  region       = "us-east-2"
  omi_name     = "chroot-host"
  source_omi   = "ami-00000000"
  METADATA
}
build {
  sources = ["source.outscale-chroot.main"]
}
"""


def _state(sim) -> dict:
    return json.loads((sim.data_dir / "state.json").read_text())


def test_without_root_a_clear_error_comes_before_any_api_call(sim):
    work = Path(tempfile.mkdtemp(prefix="chroot-nonroot-"))
    try:
        work.chmod(0o755)
        template = work / "build.pkr.hcl"
        template.write_text(TEMPLATE.replace(
            "METADATA", f'metadata_url = "{_state(sim)["metadata_url"]}"'))
        template.chmod(0o644)
        creds = sim.credentials("us-east-2")  # each Region, its own account
        env = {"PATH": os.environ["PATH"], "HOME": str(work),
               "OSC_ACCESS_KEY": creds["access_key"], "OSC_SECRET_KEY": creds["secret_key"],
               "OSC_ENDPOINT_API": creds["endpoint"]}
        calls = len(sim.requests())
        # Not root, but able to read the checkout wherever it is: a clone in root's own
        # home (mode 700 on Debian, a fresh machine's usual place) is unreadable to nobody.
        result = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", sys.executable,
             "-m", "osc_build", "build", str(template)],
            env=env, cwd=work, capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(work)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the outscale-chroot builder must run as root" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert len(sim.requests()) == calls  # not even the credentials check


class _OtherVm(BaseHTTPRequestHandler):
    def do_GET(self):
        body = {"/latest/meta-data/instance-id": b"i-0000dead",
                "/latest/meta-data/placement/availability-zone": b"us-east-2a"}.get(self.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def other_vm_metadata():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtherVm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/latest/meta-data/"
    server.shutdown()
    server.server_close()


def test_a_vm_the_account_does_not_have_is_a_clear_error(build, sim, other_vm_metadata):
    result = build(TEMPLATE.replace("METADATA", f'metadata_url = "{other_vm_metadata}"'))
    assert result.returncode == 1, result.output
    assert "this machine is VM i-0000dead (metadata service) but the API of us-east-2 has " \
           "no such VM" in result.stdout
    assert machine_leftovers(sim) == [] and cloud_leftovers(sim) == {}


def test_no_metadata_service_is_a_clear_error(build, sim):
    from osc_build_sim.testing import free_port

    url = f"http://127.0.0.1:{free_port()}/latest/meta-data/"
    result = build(TEMPLATE.replace("METADATA", f'metadata_url = "{url}"'))
    assert result.returncode == 1, result.output
    assert f"cannot reach the metadata service at {url}instance-id" in result.stdout
    assert "must run on an OUTSCALE VM" in result.stdout


def test_region_and_subregion_come_from_the_metadata_when_nothing_names_a_region(
        sim, monkeypatch):
    from osc_build.config import load_options
    from osc_build.context import BuildContext
    from osc_build.ui import Ui
    from osc_build_chroot.host import read_metadata
    from osc_build_chroot.options import ChrootOptionsSchema
    from osc_build_chroot.state import ChrootBuildState

    for name in ("OSC_REGION", "OUTSCALE_REGION"):
        monkeypatch.delenv(name, raising=False)
    def options(**given):
        return load_options(ChrootOptionsSchema, {
            "omi_name": "built", "source_omi": "ami-12345678",
            "metadata_url": _state(sim)["metadata_url"], **given}, where="source.c.t")

    state = ChrootBuildState()
    read_metadata(BuildContext(name="c.t", builder="outscale-chroot", config=options(),
                               ui=Ui("c.t")), state)
    assert state.host_vm == {"VmId": _state(sim)["host_vm_id"]}
    assert (state.found_region, state.subregion_name) == ("us-east-2", "us-east-2a")

    named = ChrootBuildState()
    read_metadata(BuildContext(name="c.t", builder="outscale-chroot",
                               config=options(region="eu-west-2"), ui=Ui("c.t")), named)
    assert named.found_region == ""  # the template's region wins


@pytest.mark.parametrize(("zone", "region"), [
    ("eu-west-2a", "eu-west-2"), ("us-east-2b", "us-east-2"),
    ("cloudgouv-eu-west-1c", "cloudgouv-eu-west-1"), ("ap-northeast-1a", "ap-northeast-1")])
def test_the_region_is_the_availability_zone_without_its_letter(zone, region):
    from osc_build_chroot.host import region_of_zone
    assert region_of_zone(zone) == region


@pytest.mark.parametrize("zone", ["", "eu-west-2", "garbage"])
def test_an_availability_zone_without_a_region_is_a_clear_error(zone):
    from osc_build.errors import BuildError
    from osc_build_chroot.host import region_of_zone
    with pytest.raises(BuildError, match="not a Region name followed by a letter"):
        region_of_zone(zone)


def test_a_build_in_another_region_than_this_vm_is_a_clear_error(build, sim):
    result = build(TEMPLATE.replace("METADATA", "").replace('"us-east-2"', '"eu-west-2"'))
    assert result.returncode == 1, result.output
    assert (f"this machine is VM {_state(sim)['host_vm_id']} in region us-east-2 (metadata "
            "service) but the build uses region eu-west-2") in result.stdout
    assert 'set region = "us-east-2"' in result.stdout
