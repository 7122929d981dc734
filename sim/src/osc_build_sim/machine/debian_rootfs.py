"""Real Debian root filesystems for guests, bootstrapped with mmdebstrap from the archive.

What a Debian cloud image has (apt, Python 3, sudo, openssh-server, systemd, iproute2,
ca-certificates), from the Debian archive this machine's apt sources name. The pristine
tree is built once per release and cached (a file lock keeps simulators sharing a cache
from building it twice); each size of ext4 image made from it is cached too, and every
volume is its own sparse copy of one. cloud-init's first-boot work is done by the
simulator (``scripts/firstboot.sh``); the units added here report readiness and run user
data once.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from osc_build_sim.apt_sources import DEBIAN_SUITES, debian_mirrors
from osc_build_sim.backend import BackendError
from osc_build_sim.machine.rootfs import write_ext4_image

log = logging.getLogger(__name__)

TREE_VERSION = "1"
PACKAGES = ("systemd", "systemd-sysv", "openssh-server", "sudo", "python3", "iproute2",
            "ca-certificates", "apt", "dbus")
# Units a container guest cannot use (no tty1, no physical disks), or that would take the
# dpkg lock behind a provisioner's back at a random time after boot.
MASKED = ("getty@tty1.service", "apt-daily.timer", "apt-daily-upgrade.timer",
          "e2scrub_all.timer", "e2scrub_reap.service", "fstrim.timer",
          "systemd-pstore.service")
UNITS = {
    # The simulator waits for this file: the guest is up and logins are allowed.
    "osc-build-sim-ready.service": """[Unit]
Description=osc-build-sim: tell the simulator the VM has booted
After=systemd-user-sessions.service basic.target

[Service]
Type=oneshot
ExecStart=/bin/touch /run/osc-build-sim/booted

[Install]
WantedBy=multi-user.target
""",
    # cloud-init's user data: run once, after the first boot, in the background.
    "osc-build-sim-user-data.service": """[Unit]
Description=osc-build-sim: run the VM's user data once (as cloud-init does)
After=network.target osc-build-sim-ready.service
ConditionPathExists=/var/lib/osc-build-sim/user-data-pending

[Service]
Type=oneshot
ExecStart=/var/lib/osc-build-sim/user-data
ExecStopPost=/bin/rm -f /var/lib/osc-build-sim/user-data-pending
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
""",
    # Host keys are per VM, as cloud-init makes them; the image ships none. After readiness:
    # the RSA key takes a second of CPU, and the simulator serves SSH itself meanwhile.
    "osc-build-sim-host-keys.service": """[Unit]
Description=osc-build-sim: SSH host keys for this VM
After=osc-build-sim-ready.service
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
""",
}


def _sources(suite: str) -> list[str]:
    mirrors = debian_mirrors()
    if mirrors is None:
        raise BackendError("cannot build a Debian guest image: this machine's apt sources "
                           "(/etc/apt/sources.list*) name no Debian archive")
    main, security = mirrors
    lines = [f"deb {main} {suite} main", f"deb {main} {suite}-updates main"]
    if security:
        lines.append(f"deb {security} {suite}-security main")
    return lines


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


def _tree_fingerprint(suite: str) -> str:
    """What the bootstrap depends on; the cheap customization is fingerprinted apart."""
    return _fingerprint(TREE_VERSION, suite, *_sources(suite), *PACKAGES)


def _custom_fingerprint() -> str:
    return _fingerprint(*MASKED, *UNITS, *UNITS.values())


def _customize(tree: Path) -> None:
    """What makes the bootstrapped tree a cloud image of this simulator (idempotent)."""
    system = tree / "etc/systemd/system"
    wants = system / "multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    for name, text in UNITS.items():
        (system / name).write_text(text)
        (wants / name).unlink(missing_ok=True)
        (wants / name).symlink_to(f"/etc/systemd/system/{name}")
    for name in MASKED:
        for link in system.glob(f"*.wants/{name}"):
            link.unlink()
        (system / name).unlink(missing_ok=True)
        (system / name).symlink_to("/dev/null")
    for key in (tree / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (tree / "etc/hostname").write_text("localhost\n")
    (tree / "etc/hosts").write_text("127.0.0.1 localhost\n::1 localhost ip6-localhost\n")
    (tree / "etc/machine-id").write_text("")  # a new one per VM, made by systemd at boot
    (tree / "var/lib/dbus").mkdir(parents=True, exist_ok=True)
    (tree / "etc/resolv.conf").unlink(missing_ok=True)
    (tree / "etc/resolv.conf").write_text("# no DNS: guests reach package archives through "
                                          "the simulator's proxy (see apt.conf.d)\n")
    (tree / "var/lib/osc-build-sim").mkdir(parents=True, exist_ok=True)


def _bootstrap(suite: str, dest: Path, log_path: Path) -> None:
    # Its own mount namespace (the mounts it makes in the tree vanish with it, even if it
    # is killed) and SIGTERM when the simulator dies, so that it cleans up.
    argv = ["unshare", "--mount", "--propagation", "private", "setpriv", "--pdeathsig", "TERM",
            "mmdebstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}",
            "--format=directory", suite, str(dest), *_sources(suite)]
    with open(log_path, "wb") as output:
        result = subprocess.run(argv, stdout=output, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
        raise BackendError(f"mmdebstrap could not bootstrap Debian {suite} "
                           f"({' | '.join(tail)}); full log: {log_path}")


def cached_tree(cache_dir: Path, suite: str) -> Path:
    """The pristine tree of Debian ``suite``, bootstrapped on first use (printing progress)."""
    if suite not in DEBIAN_SUITES:
        raise BackendError(f"unknown Debian release {suite!r}; known: {sorted(DEBIAN_SUITES)}")
    tree = cache_dir / f"debian-{suite}-{_tree_fingerprint(suite)}"
    if tree.is_dir():
        return tree
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f".debian-{suite}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another simulator may be building it right now
        if tree.is_dir():
            return tree
        print(f"osc-build-sim: building the Debian {DEBIAN_SUITES[suite]} ({suite}) guest "
              f"image with mmdebstrap from {_sources(suite)[0].split()[1]} (once per cache; "
              "about a minute)...", file=sys.stderr, flush=True)
        started = time.monotonic()
        staging = Path(tempfile.mkdtemp(prefix=f".debian-{suite}-", dir=cache_dir))
        try:
            _bootstrap(suite, staging / "tree", cache_dir / f"debian-{suite}.log")
            (staging / "tree").rename(tree)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        took = time.monotonic() - started
        print(f"osc-build-sim: Debian {DEBIAN_SUITES[suite]} guest image built in {took:.0f} s "
              f"({tree})", file=sys.stderr, flush=True)
        (tree.parent / f"{tree.name}.build-seconds").write_text(f"{took:.1f}\n")
    return tree


def cached_image(cache_dir: Path, suite: str, size_gib: int) -> Path:
    """A sparse ext4 image of ``size_gib`` GiB holding Debian ``suite``, built on first use."""
    tree = cached_tree(cache_dir, suite)
    image = cache_dir / f"{tree.name}-{_custom_fingerprint()}-{size_gib}g.ext4"
    if image.exists():
        return image
    with open(cache_dir / f".debian-{suite}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not image.exists():
            _customize(tree)
            _make_ext4(tree, image, suite, size_gib)
    return image


def _make_ext4(tree: Path, image: Path, suite: str, size_gib: int) -> None:
    write_ext4_image(tree, image, size_gib, what=f"the Debian {suite} image")
