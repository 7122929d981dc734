"""pytest fixtures over the simulator, loaded through the ``pytest11`` entry point.

They live apart from ``osc_build_sim.testing`` so that the simulator's helpers
never import pytest; they import those helpers only when a test asks for a
simulator, because pytest loads this module in every run of the environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from osc_build_sim.testing import SimHandle


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[SimHandle]:
    """A simulator of this test alone."""
    from osc_build_sim.testing import running_simulator

    with running_simulator(tmp_path / "sim") as handle:
        yield handle


@pytest.fixture(scope="session")
def simulator_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimHandle]:
    """One simulator shared by the whole test session."""
    from osc_build_sim.testing import running_simulator

    with running_simulator(tmp_path_factory.mktemp("sim-session")) as handle:
        yield handle
