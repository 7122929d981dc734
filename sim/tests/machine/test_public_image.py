"""The public image's root snapshot is made once, however many VMs need it at once."""

from __future__ import annotations

import threading

import pytest

from osc_build_sim.machine import MachineBackend


@pytest.mark.slow
def test_vms_booting_at_once_on_a_fresh_data_dir_all_get_the_public_image(tmp_path):
    machine = MachineBackend(tmp_path / "sim-data", host_vm_id="i-hostvm01")
    errors: list[Exception] = []

    def ensure() -> None:
        try:
            machine.ensure_public_image("snap-public-race",
                                        "Minimal-Host-Userland-2026.01.15-0", 10)
        except Exception as error:  # reported below, with the others
            errors.append(error)

    try:
        threads = [threading.Thread(target=ensure) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        snapshot = machine.disks.snapshot("snap-public-race")
        assert snapshot.stat().st_size == 10 << 30
        assert not list(snapshot.parent.glob(".*.partial"))
    finally:
        machine.shutdown()
