"""The typed context of one build: what every step may need, and nothing else."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osc_build.errors import Interrupted
from osc_build.resources import ResourceLog
from osc_build.ui import Ui

if TYPE_CHECKING:
    from osc_build.provision import ProvisionerCall


def _run_id() -> str:
    return os.urandom(6).hex()


@dataclass
class BuildContext:
    """One build: its name, loaded options, output, undo log and cancellation flag.

    Builders keep their own step-to-step data in a typed state object of
    their own; this context holds what the core provides.
    """

    name: str  # Packer's "type.name", e.g. "outscale-bsu.main"
    builder: str  # "outscale-bsu"
    config: Any  # the builder's loaded options: its schema's frozen class (config.options_class)
    ui: Ui
    hook: Any = None  # the build's pluggy hook relay (pm.hook)
    resources: ResourceLog = field(default_factory=ResourceLog)
    run_id: str = field(default_factory=_run_id)
    provisioners: Sequence[ProvisionerCall] = ()
    # The template's error-cleanup-provisioner, run when a provisioner fails.
    error_cleanup_provisioners: Sequence[ProvisionerCall] = ()
    on_error: str = "cleanup"  # -on-error: cleanup, abort, ask or run-cleanup-provisioner
    debug: bool = False
    template_dir: Path = field(default_factory=Path.cwd)
    cancelled: threading.Event = field(default_factory=threading.Event)
    # Packer's generated data, known once the builder connects (Host, Port, User,
    # Password, ConnType, WinRMPassword, ...): provisioner options render
    # ``build.X`` / ``{{ build `X` }}`` / ``{{ .X }}`` with it.
    build_data: dict[str, str] = field(default_factory=dict, repr=False)  # holds passwords

    def check_cancelled(self) -> None:
        """Raise :class:`Interrupted` if the build was asked to stop."""
        if self.cancelled.is_set():
            raise Interrupted(f"build {self.name!r} was interrupted; cleaning up")

    @property
    def temporary_name(self) -> str:
        """A name for temporary resources: unique per build, recognisable as ours."""
        return f"osc-build-{self.run_id}"
