"""Provisioners: what runs on the machine being built, through a communicator.

A provisioner is a component of the ``osc_build.provisioners`` entry-point
group: a class with a ``schema`` (its options) and a method
``provision(ctx, communicator, config)``. The builder hands its communicator to
:func:`run_provisioners` at the provisioning step.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from osc_build import registry
from osc_build.errors import BuildError, OscBuildError

if TYPE_CHECKING:
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)


class Communicator(Protocol):
    """How provisioners reach the machine (SSH, chroot, none)."""

    def run(self, command: str, *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> int:
        """Run a shell command, streaming its output; return its exit status."""

    def upload(self, source: Path, destination: str) -> None: ...

    def download(self, source: str, destination: Path) -> None: ...


@dataclass(frozen=True)
class ProvisionerCall:
    """One provisioner block of a build, as the template gave it."""

    type: str
    config: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""
    pause_before: float = 0.0
    max_retries: int = 0
    timeout: float | None = None
    where: str = ""  # "file:line" of the block, for errors

    @property
    def label(self) -> str:
        return self.name or self.type


@dataclass(frozen=True)
class PreparedProvisioner:
    call: ProvisionerCall
    provisioner: Any
    config: Any


def prepare_provisioners(calls: Sequence[ProvisionerCall]) -> list[PreparedProvisioner]:
    """Load each provisioner and its options now, so mistakes fail before any cloud call."""
    from osc_build.config import load_options

    prepared = []
    for index, call in enumerate(calls):
        cls = registry.load(registry.PROVISIONER, call.type)
        where = call.where or f"provisioner[{index}] {call.type!r}"
        schema = getattr(cls, "schema", None)
        config = load_options(schema, call.config, where=where) if schema else dict(call.config)
        prepared.append(PreparedProvisioner(call, cls(), config))
    return prepared


def run_provisioners(ctx: BuildContext, communicator: Communicator,
                     provisioners: Sequence[PreparedProvisioner]) -> None:
    """Run the build's provisioners in order, with pause_before and max_retries."""
    for item in provisioners:
        call = item.call
        ctx.check_cancelled()
        if call.pause_before:
            ctx.ui.say(f"Pausing {call.pause_before:g}s before the next provisioner...")
            ctx.cancelled.wait(call.pause_before)
            ctx.check_cancelled()
        ctx.ui.say(f"Provisioning with {call.label}...")
        for attempt in range(call.max_retries + 1):
            try:
                item.provisioner.provision(ctx, communicator, item.config)
                break
            except OscBuildError as err:
                if attempt >= call.max_retries:
                    raise BuildError(f"provisioner {call.label!r} failed: {err}") from err
                ctx.ui.error(f"provisioner {call.label!r} failed, retrying: {err}")
                time.sleep(min(2**attempt, 30))
