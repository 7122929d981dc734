"""A VM's root tries the known ways out of the sandbox, over SSH with sudo, and fails.

Each attack is the real one: cgroup v1 release_agent (the kernel runs it as root on this
machine), host block devices through a devtmpfs mount (then the host's disk mounted), and
raw sockets towards the host. Both guest kinds: the minimal image (a shell as init) and a
real Debian (systemd as PID 1).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from osc_build_sim.machine import MachineBackend
from osc_build_sim.testing import guest_image_cache

pytestmark = pytest.mark.slow  # the Debian guest: the first run on a machine bootstraps it
MINIMAL = "snap-public-debian"  # the conftest's name for the minimal image
DEBIAN = "snap-debian-12"


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[MachineBackend]:
    machine = MachineBackend(tmp_path_factory.mktemp("sim-data"), metadata_address=None,
                             image_cache=guest_image_cache())
    try:
        machine.ensure_public_image(MINIMAL, "Minimal-Host-Userland-2026.01.15-0", 10)
        machine.ensure_public_image(DEBIAN, "Debian-12-2026.01.15-0", 10)
        yield machine
    finally:
        machine.shutdown()


@pytest.fixture(params=[MINIMAL, DEBIAN], ids=["minimal", "debian-systemd"])
def vm(request, boot_vm):
    return boot_vm(root_snapshot=request.param, data_volumes=1)


def sudo(vm, keypair, helpers, script: str) -> str:
    with helpers.ssh(vm.spec.private_ip, keypair) as conn:
        result = conn.sudo(f"sh -c '{script}'", warn=True, hide=True)
    return result.stdout + result.stderr


def init_pid(backend, vm) -> int:
    return backend._vms[vm.vm_id].sandbox.init_pid


def host_block_devices() -> list[str]:
    return sorted(name for name in os.listdir("/sys/block") if not name.startswith("loop"))


RELEASE_AGENT = """
agent=/proc/{pid}/root/tmp/escape-payload
printf "#!/bin/sh\\ntouch {marker}\\n" > /tmp/escape-payload
chmod +x /tmp/escape-payload
mkdir -p /tmp/cg
for opts in none,name=oscescape none,name=systemd devices memory cpu pids \\
        none,name=oscescape2,release_agent=$agent; do
    mount -t cgroup -o $opts cgroup /tmp/cg 2>/dev/null || continue
    echo "mounted $opts"
    if echo $agent > /tmp/cg/release_agent 2>/dev/null; then
        echo "AGENT SET through $opts"
        mkdir -p /tmp/cg/x && echo 1 > /tmp/cg/x/notify_on_release
        sh -c "echo \\$\\$ > /tmp/cg/x/cgroup.procs"
    fi
    grep -qs /tmp/escape-payload /tmp/cg/release_agent && echo "AGENT SET at mount $opts"
    # Should it ever work, leave no hierarchy of this machine pointing at the VM.
    echo > /tmp/cg/release_agent 2>/dev/null; rmdir /tmp/cg/x 2>/dev/null
    umount /tmp/cg
done
echo tried
"""


def test_cgroup_release_agent_cannot_be_set(backend, vm, keypair, helpers, tmp_path):
    """v1 release_agent: whoever sets it has the kernel run that path as root, here."""
    marker = tmp_path / "escaped"
    out = sudo(vm, keypair, helpers,
               RELEASE_AGENT.format(pid=init_pid(backend, vm), marker=marker))
    assert "tried" in out, out
    assert "AGENT SET" not in out, out
    assert not marker.exists()


@pytest.fixture(autouse=True)
def _no_release_agent_left_here() -> Iterator[None]:
    """Should the sandbox ever let the attack through, undo it on this machine."""
    yield
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        agent = Path(fields[1]) / "release_agent"
        if fields[2] == "cgroup" and agent.exists() and "escape-payload" in agent.read_text():
            agent.write_text("\n")
            if (agent.parent / "x").is_dir():
                (agent.parent / "x").rmdir()


def test_host_block_devices_cannot_be_read_or_mounted(backend, vm, keypair, helpers, boot_vm):
    """devtmpfs (one instance, shared with this machine) holds every device node: the
    host's disks and other VMs' loop devices. Root inside may mount it but not use them."""
    other = boot_vm(root_snapshot=MINIMAL, data_volumes=1)
    theirs = [os.path.basename(d.loop) for d in backend._vms[other.vm_id].sandbox.disks]
    targets = host_block_devices() + theirs
    assert targets
    attempts = "\n".join(
        f"head -c 512 /tmp/devs/{name} > /dev/null 2>&1 && echo READ {name}\n"
        f"mount -o ro /tmp/devs/{name} /tmp/host 2>/dev/null && echo MOUNTED {name}"
        for name in targets)
    out = sudo(vm, keypair, helpers, f"""
mkdir -p /tmp/devs /tmp/host
mount -t devtmpfs devtmpfs /tmp/devs && echo devtmpfs-mounted
mkdir -p /tmp/dcg
if mount -t cgroup -o devices cgroup /tmp/dcg; then
    echo a > /tmp/dcg/devices.allow && echo WIDENED
    grep -q "^a " /tmp/dcg/devices.list && echo WIDE-OPEN
fi
ls /tmp/devs
{attempts}
head -c 512 /dev/xvdb > /dev/null && echo own-volume-readable
echo tried
""")
    assert "tried" in out and "own-volume-readable" in out, out
    assert "READ " not in out and "MOUNTED " not in out, out
    assert "WIDENED" not in out and "WIDE-OPEN" not in out, out
    # The route is real: the nodes are there, only unusable.
    if "devtmpfs-mounted" in out:
        assert all(name in out.split() for name in targets), out


def test_own_volumes_still_take_mkfs_and_mount(vm, keypair, helpers):
    """What builders do as root inside is not what the sandbox takes away."""
    out = sudo(vm, keypair, helpers, """
mkfs.ext4 -q -F /dev/xvdb && mkdir -p /mnt/v && mount /dev/xvdb /mnt/v \\
    && echo data > /mnt/v/f && umount /mnt/v && echo volume-ok
""")
    assert "volume-ok" in out, out


RAW_SOCKETS = """
import errno, socket
print("interfaces", [name for _, name in socket.if_nameindex()])
packet = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
print("packet-socket-opened")
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
echo = bytes([8, 0, 0xF7, 0xFF, 0, 0, 0, 0])
for address in ("192.0.2.1", "10.0.0.1", "172.17.0.1"):
    try:
        icmp.sendto(echo, (address, 0))
        print("SENT", address)
    except OSError as error:
        print("refused", address, errno.errorcode[error.errno])
"""


def test_raw_sockets_reach_only_the_vm_itself(boot_vm, keypair, helpers):
    """Root may open raw sockets (CAP_NET_RAW stays: ping) but the network namespace has
    only its own lo: a packet socket sees no interface of this machine, and nothing routes
    to any address outside the VM (the Debian guest: it has python3)."""
    vm = boot_vm(root_snapshot=DEBIAN)
    with helpers.ssh(vm.spec.private_ip, keypair) as conn:
        conn.put(io.StringIO(RAW_SOCKETS), "/tmp/raw.py")
        result = conn.sudo("python3 /tmp/raw.py", warn=True, hide=True)
    text = result.stdout + result.stderr
    assert "interfaces ['lo']" in text, text
    assert "packet-socket-opened" in text, text
    assert "SENT" not in text and text.count("ENETUNREACH") == 3, text


BY_HANDLE = """
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
class Handle(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint), ("type", ctypes.c_int), ("data", ctypes.c_ubyte * 128)]
for path in ("/dev/console", "/dev/null", "/etc/hostname"):
    handle, mount_id = Handle(size=128), ctypes.c_int()
    if libc.name_to_handle_at(-100, path.encode(), ctypes.byref(handle),
                              ctypes.byref(mount_id), 0) != 0:
        print("no-handle", path, errno.errorcode[ctypes.get_errno()])
        continue
    mount_fd = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
    fd = libc.open_by_handle_at(mount_fd, ctypes.byref(handle), os.O_RDONLY)
    print("OPENED" if fd >= 0 else "refused", path,
          "" if fd >= 0 else errno.errorcode[ctypes.get_errno()])
"""


def test_open_by_handle_at_is_refused(boot_vm, keypair, helpers):
    """open_by_handle_at ("shocker") opens any inode of a mounted file system by number:
    with one file of this machine bound into a VM, every file of its file system. Root
    inside lacks CAP_DAC_READ_SEARCH, which it needs, even for its own files."""
    vm = boot_vm(root_snapshot=DEBIAN)
    with helpers.ssh(vm.spec.private_ip, keypair) as conn:
        conn.put(io.StringIO(BY_HANDLE), "/tmp/by_handle.py")
        result = conn.sudo("python3 /tmp/by_handle.py", warn=True, hide=True)
    text = result.stdout + result.stderr
    assert "OPENED" not in text, text
    assert text.count("refused") >= 2 and "EPERM" in text, text


def test_the_sandbox_keeps_the_vm_in_its_own_cgroups(backend, vm):
    """The mechanism behind the tests above, seen from here: a devices cgroup that denies
    by default, and a cgroup namespace owned by a user namespace that is not this one."""
    sandbox = backend._vms[vm.vm_id].sandbox
    pid = sandbox.init_pid
    assert os.readlink(f"/proc/{pid}/ns/user") == os.readlink("/proc/self/ns/user")
    assert os.readlink(f"/proc/{pid}/ns/cgroup") != os.readlink("/proc/self/ns/cgroup")
    devices = Path(sandbox.devices_cgroup)
    assert str(pid) in (devices / "cgroup.procs").read_text().split()
    rules = (devices / "devices.list").read_text().split("\n")
    assert "a *:* rwm" not in rules


def test_a_cgroup2_only_host_says_the_devices_route_is_open(tmp_path, monkeypatch, capsys):
    """No v1 devices controller (cgroup2-only hosts): the devtmpfs route stays open, and the
    simulator says so once, loudly, when its machine backend starts."""
    from osc_build_sim.machine import guest_init

    monkeypatch.setattr(guest_init, "host_devices_cgroup", lambda: None)
    machine = MachineBackend(tmp_path, metadata_address=None, image_cache=guest_image_cache())
    try:
        warnings = [line for line in capsys.readouterr().err.splitlines()
                    if "WARNING" in line]
        assert len(warnings) == 1, warnings
        assert "no cgroup v1 devices controller" in warnings[0]
        assert "mount devtmpfs" in warnings[0] and "sim/README.md" in warnings[0]
    finally:
        machine.shutdown()
    monkeypatch.undo()
    machine = MachineBackend(tmp_path / "again", metadata_address=None,
                             image_cache=guest_image_cache())
    try:  # this machine as it is: a warning exactly when it has no devices controller
        said = "no cgroup v1 devices controller" in capsys.readouterr().err
        assert said == (guest_init.host_devices_cgroup() is None)
    finally:
        machine.shutdown()
