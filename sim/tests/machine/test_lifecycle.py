"""Start checks, shutdown and crash cleanup, and the host VM (metadata, host-linked volumes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from osc_build_sim import host_requirements
from osc_build_sim.backend import BackendError, DiskAttachment, VmSpec
from osc_build_sim.machine import MachineBackend, cleanup, guest_init, hostcheck, loopdev


def leftovers(data_dir: Path) -> dict[str, list]:
    root = (data_dir / "machine").resolve()
    mounts = [line for line in Path("/proc/mounts").read_text().splitlines()
              if str(root) in line]
    return {"loops": loopdev.attached_under(root), "sandboxes": cleanup.sandbox_processes(root),
            "mounts": mounts}


NOTHING = {"loops": [], "sandboxes": [], "mounts": []}


def test_without_root_it_says_so_in_one_line(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(BackendError, match="needs root") as error:
        hostcheck.check_host()
    assert "\n" not in str(error.value)


def test_missing_host_tools_are_named_with_their_debian_packages(monkeypatch):
    real_which = host_requirements.shutil.which
    monkeypatch.setattr(host_requirements.shutil, "which",
                        lambda name: None if name == "sfdisk" else real_which(name))
    monkeypatch.setattr(host_requirements, "can_install", lambda: False)  # not root on Debian
    with pytest.raises(BackendError, match=r"apt-get install -y --no-install-recommends fdisk"):
        hostcheck.check_host()


def test_shutdown_leaves_no_sandbox_mount_or_loop_device(tmp_path, keypair, helpers):
    machine = MachineBackend(tmp_path, metadata_address=None, host_vm_id="i-hostvm02")
    try:
        machine.ensure_public_image("snap-pub", "Minimal-Host-Userland", 10)
        machine.create_volume("vol-root", 10, "snap-pub")
        machine.create_volume("vol-data", 1, None)
        machine.create_volume("vol-host", 1, None)
        spec = VmSpec(helpers.new_id("i"), "/dev/sda1",
                      (DiskAttachment("vol-root", "/dev/sda1"),
                       DiskAttachment("vol-data", "/dev/xvdb")),
                      helpers.new_ip(16), None, "outscale", (keypair.public,))
        machine.start_vm(spec)
        machine.link_volume("i-hostvm02", DiskAttachment("vol-host", "/dev/xvdy"))
        running = leftovers(tmp_path)
        assert len(running["loops"]) == 3 and len(running["sandboxes"]) == 1
        assert running["mounts"] == []  # a VM's mounts live in its own namespace
    finally:
        machine.shutdown()
    assert leftovers(tmp_path) == NOTHING
    assert not os.path.lexists("/dev/xvdy")


CRASHING_SIMULATOR = textwrap.dedent("""
    import sys
    from osc_build_sim.backend import DiskAttachment, VmSpec
    from osc_build_sim.machine import MachineBackend, guest_init
    machine = MachineBackend(sys.argv[1], metadata_address=None, host_vm_id="i-hostvm03")
    machine.ensure_public_image("snap-pub", "Minimal-Host-Userland", 10)
    machine.create_volume("vol-root", 10, "snap-pub")
    machine.create_volume("vol-host", 1, None)
    machine.start_vm(VmSpec("i-crash001", "/dev/sda1", (DiskAttachment("vol-root", "/dev/sda1"),),
                            sys.argv[2], None, "outscale"))
    machine.link_volume("i-hostvm03", DiskAttachment("vol-host", "/dev/xvdx"))
    print("ready", flush=True)
    sys.stdin.read()
""")


def test_restart_after_a_crash_removes_what_the_crashed_run_left(tmp_path, helpers):
    crashed = subprocess.Popen([sys.executable, "-c", CRASHING_SIMULATOR, str(tmp_path),
                                helpers.new_ip(16)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert crashed.stdout.readline().strip() == "ready"
    finally:
        crashed.send_signal(signal.SIGKILL)
        crashed.wait()
    left = leftovers(tmp_path)
    assert len(left["loops"]) == 2 and len(left["sandboxes"]) == 1
    assert os.path.islink("/dev/xvdx")
    devices = guest_init.host_devices_cgroup()
    owner = guest_init.owner_key(tmp_path / "machine")
    vm_cgroup = devices / guest_init.CGROUP_PARENT / owner / "i-crash001"
    assert vm_cgroup.is_dir()  # the crashed VM's devices cgroup
    machine = MachineBackend(tmp_path, metadata_address=None)  # the restart
    try:
        assert leftovers(tmp_path) == NOTHING
        assert not os.path.lexists("/dev/xvdx")
        assert not vm_cgroup.exists()
    finally:
        machine.shutdown()


def test_start_removes_the_vm_cgroups_its_crashed_run_left_and_no_others(tmp_path):
    """A crashed run's VM cgroups go at the next start even when their VM directories are
    gone; another simulator's (another data dir) stay."""
    (tmp_path / "machine").mkdir()
    mine = guest_init.owner_key(tmp_path / "machine")
    other = guest_init.owner_key(tmp_path)  # a directory another simulator could own
    stale, kept = [], []
    for root in (guest_init.host_cgroup2(), guest_init.host_devices_cgroup()):
        assert root is not None  # this machine kind has both (hybrid cgroups)
        vm = root / guest_init.CGROUP_PARENT / mine / "i-gone0001"
        (vm / "init.scope").mkdir(parents=True)  # v2: systemd's; devices: like its "guest"
        stale.append(vm)
        kept.append(root / guest_init.CGROUP_PARENT / other / "i-other001")
        kept[-1].mkdir(parents=True)
    try:
        machine = MachineBackend(tmp_path, metadata_address=None)
        try:
            assert [path for path in stale if path.exists()] == []
            assert [path for path in kept if not path.is_dir()] == []
        finally:
            machine.shutdown()
    finally:
        for path in stale + kept:
            guest_init.remove_cgroup(path.parent)
    assert [path.parent for path in stale if path.parent.exists()] == []


def test_metadata_service_describes_the_host_vm(tmp_path):
    machine = MachineBackend(tmp_path, host_vm_id="i-hostvm04", region="eu-west-2",
                             subregion="eu-west-2b")
    try:
        url = machine.metadata_url
        assert url.startswith("http://127.")

        def get(path: str) -> str:
            with urllib.request.urlopen(url + path, timeout=5) as response:
                return response.read().decode()

        assert get("instance-id") == "i-hostvm04"
        assert get("placement/availability-zone") == "eu-west-2b"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            get("placement/region")  # OUTSCALE has none: derived from the zone
        with pytest.raises(urllib.error.HTTPError, match="404"):
            get("iam/security-credentials/no-such-role")
    finally:
        machine.shutdown()


def test_volume_linked_to_the_host_vm_is_a_block_device_here(tmp_path):
    machine = MachineBackend(tmp_path, metadata_address=None, host_vm_id="i-hostvm05")
    try:
        machine.create_volume("vol-chroot", 1, None)
        machine.link_volume("i-hostvm05", DiskAttachment("vol-chroot", "/dev/xvdw"))
        path = machine.host_device_path("i-hostvm05", "vol-chroot")
        assert path == "/dev/xvdw"
        assert os.path.realpath(path).startswith("/dev/loop")
        subprocess.run(["sfdisk", "-q", path], input=",,L\n", text=True, check=True)
        deadline = time.monotonic() + 5
        while not os.path.exists("/dev/xvdw1"):  # as udev would make it
            assert time.monotonic() < deadline
            time.sleep(0.05)
        subprocess.run(["mkfs.ext4", "-q", "/dev/xvdw1"], check=True)
        machine.unlink_volume("i-hostvm05", "vol-chroot")
        assert not os.path.lexists("/dev/xvdw") and not os.path.lexists("/dev/xvdw1")
        assert leftovers(tmp_path)["loops"] == []
    finally:
        machine.shutdown()


def test_serve_with_the_machine_backend_as_a_normal_user_exits_1_in_one_line(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.chown(data_dir, 65534, 65534)
    result = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
         "osc_build_sim", "--data-dir", str(data_dir), "serve", "--backend", "machine",
         "--port", "0"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "needs root" in result.stderr
