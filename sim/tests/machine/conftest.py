"""Fixtures for the machine layer: a real backend (root needed), VMs and SSH keys."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import asyncssh
import fabric
import pytest

from osc_build_sim.backend import DiskAttachment, VmSpec
from osc_build_sim.machine import MachineBackend

PUBLIC_SNAPSHOT = "snap-public-debian"
_ids = itertools.count(random.randrange(1 << 20))
_octets = itertools.count(random.randrange(1, 200) * 250)


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids):08x}"


def new_ip(first: int) -> str:
    """A fresh address in 127.FIRST.0.0/16, so tests never share a listener."""
    n = next(_octets)
    return f"127.{first}.{n // 250 % 250}.{n % 250 + 1}"


@dataclass
class Keypair:
    private_path: Path
    public: str


@pytest.fixture(scope="session")
def keypair(tmp_path_factory) -> Keypair:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path_factory.mktemp("keys") / "id_ed25519"
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)
    return Keypair(path, key.export_public_key().decode().strip())


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[MachineBackend]:
    machine = MachineBackend(tmp_path_factory.mktemp("sim-data"), host_vm_id="i-hostvm01")
    try:
        machine.ensure_public_image(PUBLIC_SNAPSHOT, "Minimal-Host-Userland-2026.01.15-0", 10)
        yield machine
    finally:
        machine.shutdown()


@dataclass
class BootedVm:
    spec: VmSpec
    volume_ids: list[str]

    @property
    def vm_id(self) -> str:
        return self.spec.vm_id

    def connect(self, keypair: Keypair, user: str = "outscale",
                host: str | None = None) -> fabric.Connection:
        return ssh(host or self.spec.private_ip, keypair, user)


def ssh(host: str, keypair: Keypair, user: str = "outscale", port: int = 22) -> fabric.Connection:
    # in_stream=False: under pytest there is no stdin to forward.
    config = fabric.Config(overrides={"run": {"in_stream": False, "hide": True},
                                      "sudo": {"in_stream": False}})
    return fabric.Connection(host, user=user, port=port, connect_timeout=5, config=config,
                             connect_kwargs={
        "key_filename": str(keypair.private_path), "look_for_keys": False,
        "allow_agent": False, "banner_timeout": 5})


@pytest.fixture
def helpers() -> SimpleNamespace:
    """The helpers above, for test modules (conftest cannot be imported by name)."""
    return SimpleNamespace(new_id=new_id, new_ip=new_ip, ssh=ssh)


@pytest.fixture
def boot_vm(backend, keypair) -> Iterator[Callable[..., BootedVm]]:
    """Boot a VM from the public image (or ``root_snapshot``); deleted at teardown."""
    booted: list[BootedVm] = []

    def boot(*, root_snapshot: str = PUBLIC_SNAPSHOT, data_volumes: int = 0,
             data_snapshots: tuple[str, ...] = (), user_data: bytes = b"",
             is_allowed=lambda ip, port: True, public_ip: bool = True) -> BootedVm:
        root = new_id("vol")
        backend.create_volume(root, 10, root_snapshot)
        disks = [DiskAttachment(root, "/dev/sda1")]
        sources = list(data_snapshots) + [None] * data_volumes
        for letter, snapshot in zip("bcdefgh", sources, strict=False):
            volume = new_id("vol")
            backend.create_volume(volume, 1, snapshot)
            disks.append(DiskAttachment(volume, f"/dev/xvd{letter}"))
        spec = VmSpec(new_id("i"), "/dev/sda1", tuple(disks), new_ip(16),
                      new_ip(64) if public_ip else None, "outscale", (keypair.public,),
                      user_data, is_allowed)
        vm = BootedVm(spec, [d.volume_id for d in disks])
        booted.append(vm)
        backend.start_vm(spec)
        return vm

    yield boot
    for vm in booted:
        backend.delete_vm(vm.vm_id)
        for volume in vm.volume_ids:
            backend.delete_volume(volume)
