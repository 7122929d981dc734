"""What a chroot build may leave behind (shared with the reliability suite), and the examples."""

from __future__ import annotations

from pathlib import Path

from osc_build_chroot.testing import (  # noqa: F401 - the tests' names for them
    MOUNT_ROOT,
    cloud_leftovers,
    host_vm_id,
    machine_leftovers,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "tests" / "data" / "anchor-examples"
