"""Device names, the device lock, and paths inside the chroot (no cloud involved)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from osc_build.context import BuildContext
from osc_build.errors import BuildError, Interrupted
from osc_build.ui import Ui
from osc_build_chroot.communicator import resolve_inside
from osc_build_chroot.devices import DeviceLock, api_name, free_device, partition_node


def _ctx() -> BuildContext:
    return BuildContext(name="outscale-chroot.t", builder="outscale-chroot", config={},
                        ui=Ui("outscale-chroot.t"))


@pytest.fixture
def machine(tmp_path):
    """A fake /sys/block and /dev: a virtio root disk."""
    (tmp_path / "sys").mkdir()
    (tmp_path / "dev").mkdir()
    for name in ("loop0", "vda"):
        (tmp_path / "sys" / name).mkdir()
    return tmp_path


def test_first_free_device_skips_existing_nodes_in_any_naming(machine):
    dev = machine / "dev"
    assert free_device(set(), sys_block=machine / "sys", dev=dev) == "/dev/xvdf"
    (dev / "vdf").touch()
    (dev / "xvdg1").touch()  # a partition left by someone else counts too
    assert free_device(set(), sys_block=machine / "sys", dev=dev) == "/dev/xvdh"


def test_devices_the_host_vm_uses_are_skipped(machine):
    taken = {"/dev/xvdf", "/dev/xvdh"}
    assert free_device(taken, sys_block=machine / "sys", dev=machine / "dev") == "/dev/xvdg"


def test_no_free_device_is_a_clear_error(machine):
    for letter in "fghijklmnop":
        (machine / "dev" / f"vd{letter}").touch()
    with pytest.raises(BuildError, match="no free device name from /dev/xvdf to /dev/xvdp"):
        free_device(set(), sys_block=machine / "sys", dev=machine / "dev")


def test_names_for_the_api_and_partitions():
    assert api_name("/dev/vdf") == "/dev/xvdf"
    assert api_name("/dev/sdf") == "/dev/sdf"
    assert partition_node("/dev/xvdf", "1") == "/dev/xvdf1"
    assert partition_node("/dev/nvme1n1", "1") == "/dev/nvme1n1p1"
    assert partition_node("/dev/xvdf", "") == "/dev/xvdf"


def test_lock_excludes_a_second_build_until_released(tmp_path):
    first, second = DeviceLock(tmp_path / "lock" / "file"), DeviceLock(tmp_path / "lock" / "file")
    first.acquire(_ctx())
    got = threading.Event()
    thread = threading.Thread(target=lambda: (second.acquire(_ctx()), got.set()))
    thread.start()
    time.sleep(0.5)
    assert not got.is_set()
    first.release()
    assert got.wait(5)
    second.release()
    thread.join()
    assert not first.held and not second.held


def test_waiting_for_the_lock_stops_when_the_build_is_cancelled(tmp_path):
    holder, waiter = DeviceLock(tmp_path / "lock"), DeviceLock(tmp_path / "lock")
    holder.acquire(_ctx())
    ctx = _ctx()
    threading.Timer(0.3, ctx.cancelled.set).start()
    with pytest.raises(Interrupted):
        waiter.acquire(ctx)
    assert not waiter.held
    holder.release()


def test_paths_inside_follow_links_as_the_chroot_sees_them(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "run" / "systemd").mkdir(parents=True)
    os.symlink("/run/systemd/resolv.conf", root / "etc" / "resolv.conf")  # absolute: in-image
    os.symlink("../../..", root / "run" / "up")  # climbs past the root: stays at the root
    os.symlink("etc", root / "config")
    assert resolve_inside(str(root), "/etc/resolv.conf") == f"{root}/run/systemd/resolv.conf"
    assert resolve_inside(str(root), "/run/up/etc/passwd") == f"{root}/etc/passwd"
    assert resolve_inside(str(root), "/config/hosts") == f"{root}/etc/hosts"
    assert resolve_inside(str(root), "/../../etc") == f"{root}/etc"
