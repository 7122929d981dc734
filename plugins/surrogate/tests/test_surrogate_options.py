"""Bad outscale-bsusurrogate options fail with one clear line, before any API request."""

from __future__ import annotations

import pytest

SOURCE = """
source "outscale-bsusurrogate" "main" {
  vm_type      = "tinav7.c1r1p1"
  source_omi   = "ami-00000000"
  ssh_username = "outscale"
  omi_name     = "bad-options"
  launch_block_device_mappings {
    device_name = "/dev/xvdf"
    volume_size = 10
  }
%s
}
build {
  sources = ["source.outscale-bsusurrogate.main"]
}
"""
ROOT = """
  omi_root_device {
    source_device_name = "%s"
    device_name        = "/dev/sda1"
%s
  }
"""


def root(source: str = "/dev/xvdf", extra: str = "") -> str:
    return ROOT % (source, extra)


@pytest.mark.parametrize(("extra", "message"), [
    ("", "omi_root_device: required: add a block naming the launch device that becomes"),
    (root("/dev/xvdz"), "omi_root_device: source_device_name '/dev/xvdz' is not a device of "
                        "launch_block_device_mappings (/dev/xvdf)"),
    (root(extra='    volume_size = 5'), "omi_root_device: volume_size 5 is smaller than the "
                                        "10 GiB of /dev/xvdf"),
    (root(extra='    iops = 100\n    volume_type = "gp2"'),
     "omi_root_device.iops: iops is only valid with volume_type = \"io1\""),
    (root(extra='    iops = 100'), "omi_root_device: iops needs an io1 root, and /dev/xvdf is "
                                     "not io1"),
    (root() + '  shutdown_behavior = "terminate"',
     "shutdown_behavior: terminate would delete the surrogate VM"),
    (root() + '  root_device_name = "/dev/xvda"',
     "root_device_name: is '/dev/xvda' but omi_root_device.device_name is '/dev/sda1'"),
    (root() + '  launch_block_device_mappings {\n    device_name = "/dev/sda1"\n  }',
     "omi_root_device: device_name '/dev/sda1' is also a launch device"),
    (root() + '  skip_create_omi = true', "skip_create_omi: unknown option"),
])
def test_bad_options_fail_before_any_request(build, sim, extra, message):
    before = len(sim.requests())
    result = build(SOURCE % extra)
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert len(sim.requests()) == before
