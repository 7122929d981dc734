"""pytest fixtures over the simulator, loaded through the ``pytest11`` entry point.

They live apart from ``osc_build_sim.testing`` so that the simulator's helpers
never import pytest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from osc_build_sim.testing import SimHandle, running_simulator


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[SimHandle]:
    """A simulator of this test alone."""
    with running_simulator(tmp_path / "sim") as handle:
        yield handle


@pytest.fixture(scope="session")
def simulator_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    """One simulator shared by the whole test session."""
    with running_simulator(tmp_path_factory.mktemp("sim-session")) as handle:
        yield handle
