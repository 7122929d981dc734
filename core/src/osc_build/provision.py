"""Provisioners: what runs on the machine being built, through a communicator.

A provisioner is a component of the ``osc_build.provisioners`` entry-point
group: a class with a ``schema`` (its options) and a method
``provision(ctx, communicator, config)``. The builder hands its communicator to
:func:`run_provisioners` at the provisioning step.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from osc_build import registry
from osc_build.durations import seconds
from osc_build.errors import BuildError, ConfigError, OscBuildError
from osc_build.problems import Problems

if TYPE_CHECKING:
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)


class Communicator(Protocol):
    """How provisioners reach the machine (SSH, chroot, none).

    ``run`` raises :class:`CommandTimeout` when ``timeout`` expires; a status of
    :data:`DISCONNECTED` means the connection went away before the command ended.
    Directories are uploaded and downloaded with their contents going *into*
    the destination.
    """

    def run(self, command: str, *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> int:
        """Run a shell command, streaming its output; return its exit status."""

    def upload(self, source: Path, destination: str) -> None: ...

    def upload_content(self, content: bytes | str, destination: str, *,
                       mode: int = 0o644) -> None: ...

    def download(self, source: str, destination: Path) -> None: ...

    def close(self) -> None: ...


DISCONNECTED = 2300218  # Packer's exit status for "the connection went away mid-command"


class CommandTimeout(BuildError):
    """A command ran longer than its timeout and was stopped."""


class ProvisionerTimeout(BuildError):
    """A provisioner ran longer than its ``timeout``."""


class TimedCommunicator:
    """Another communicator whose operations share one deadline: a provisioner's ``timeout``."""

    def __init__(self, inner: Communicator, timeout: float) -> None:
        self.inner = inner
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def _expired(self) -> ProvisionerTimeout:
        return ProvisionerTimeout(f"timed out after {go_duration_text(self.timeout)}")

    def run(self, command: str, *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> int:
        left = self.time_left()
        if left <= 0:
            raise self._expired()
        try:
            return self.inner.run(command, env=env,
                                  timeout=left if timeout is None else min(timeout, left))
        except CommandTimeout as err:
            if self.time_left() <= 0:
                raise self._expired() from err
            raise

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute) or name in ("close", "clear_authorized_keys"):
            return attribute

        def checked(*args: Any, **kwargs: Any) -> Any:
            if self.time_left() <= 0:
                raise self._expired()
            return attribute(*args, **kwargs)
        return checked


def time_left(communicator: object) -> float | None:
    """Seconds left before the running provisioner's timeout, or None without one."""
    method = getattr(communicator, "time_left", None)
    return method() if callable(method) else None


def go_duration_text(seconds: float) -> str:
    """``300`` -> ``5m0s``, as Packer prints durations."""
    whole = int(seconds)
    if whole != seconds or whole < 60:
        return f"{seconds:g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return (f"{hours}h" if hours else "") + f"{minutes}m{secs}s"


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
    positions: Mapping[str, str] = field(default_factory=dict)  # option -> "file:line:col"

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

    def prepare(index: int, call: ProvisionerCall) -> PreparedProvisioner:
        call = _lift_meta_arguments(call)
        where = call.where or f"provisioner[{index}] {call.type!r}"
        cls = registry.load_at(registry.PROVISIONER, call.type, where=call.where)
        schema = getattr(cls, "schema", None)
        config = (load_options(schema, call.config, where=where, positions=call.positions)
                  if schema else dict(call.config))
        return PreparedProvisioner(call, cls(), config)

    problems = Problems()
    prepared = [problems.collect(lambda i=i, c=c: prepare(i, c)) for i, c in enumerate(calls)]
    problems.raise_any()
    return prepared


def _lift_meta_arguments(call: ProvisionerCall) -> ProvisionerCall:
    """Accept Packer's meta-arguments inside the options too (``--provisioner shell={...}``)."""
    if not any(key in call.config for key in ("pause_before", "max_retries", "timeout")):
        return call
    config = dict(call.config)
    changes: dict[str, Any] = {"config": config}
    try:
        if "pause_before" in config:
            changes["pause_before"] = seconds(config.pop("pause_before"))
        if "timeout" in config:
            changes["timeout"] = seconds(config.pop("timeout")) or None
        if "max_retries" in config:
            changes["max_retries"] = int(config.pop("max_retries"))
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{call.where or call.type}: {err}") from None
    return dataclasses.replace(call, **changes)


def run_provisioners(ctx: BuildContext, communicator: Communicator,
                     provisioners: Sequence[PreparedProvisioner]) -> None:
    """Run the build's provisioners in order, with pause_before, timeout and max_retries.

    Each attempt gets the whole ``timeout`` (Packer wraps the timeout inside the retries).
    When one fails, the template's error-cleanup-provisioner runs on the same machine
    (not with -on-error=abort, which leaves everything as it is).
    """
    try:
        _run_in_order(ctx, communicator, provisioners)
    except OscBuildError as err:
        cleanup = list(ctx.error_cleanup_provisioners)
        if not cleanup or ctx.on_error == "abort" or list(provisioners) == cleanup:
            raise
        ctx.ui.say("Provisioning step had errors: running the error-cleanup-provisioner...")
        try:
            _run_in_order(ctx, communicator, cleanup)
        except OscBuildError as cleanup_err:
            raise BuildError(f"error-cleanup-provisioner failed: {cleanup_err}; the "
                             f"provisioning error was: {err}") from err
        raise


def _run_in_order(ctx: BuildContext, communicator: Communicator,
                  provisioners: Sequence[PreparedProvisioner]) -> None:
    for item in provisioners:
        call = item.call
        ctx.check_cancelled()
        if call.pause_before:
            ctx.ui.say(f"Pausing {go_duration_text(call.pause_before)} before the next "
                       "provisioner...")
            ctx.cancelled.wait(call.pause_before)
            ctx.check_cancelled()
        ctx.ui.say(f"Provisioning with {call.label}...")
        for attempt in range(call.max_retries + 1):
            try:
                _provision_once(ctx, communicator, item)
                break
            except OscBuildError as err:
                ctx.check_cancelled()
                if attempt >= call.max_retries:
                    if call.max_retries:
                        ctx.ui.error("retry limit reached.")
                    raise BuildError(f"provisioner {call.label!r} failed: {err}") from err
                left = call.max_retries - attempt
                ctx.ui.error(f'Provisioner failed with "{err}", retrying with {left} '
                             f"trie(s) left")
                if ctx.cancelled.wait(min(2**attempt, 30)):
                    ctx.check_cancelled()


_BUILD_DATA = re.compile(r"\{\{-?\s*(?:build\s+`(\w+)`|\.(\w+))\s*-?\}\}")


def with_build_data(config: Any, data: Mapping[str, str]) -> Any:
    """``config`` with ``{{ build `X` }}`` (HCL2's ``build.X``) and ``{{ .X }}`` rendered
    from the build's generated data; other actions (``{{.Path}}``) are left as written."""
    if not data:
        return config

    def render(value: Any) -> Any:
        if isinstance(value, str) and "{{" in value:
            return _BUILD_DATA.sub(
                lambda m: str(data.get(m.group(1) or m.group(2), m.group(0))), value)
        if isinstance(value, list | tuple):
            return type(value)(render(v) for v in value)
        if isinstance(value, dict):
            return {k: render(v) for k, v in value.items()}
        return value

    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        changes = {f.name: render(getattr(config, f.name)) for f in dataclasses.fields(config)}
        return dataclasses.replace(config, **changes)
    if isinstance(config, Mapping):
        return {k: render(v) for k, v in config.items()}
    return config


def _provision_once(ctx: BuildContext, communicator: Communicator,
                    item: PreparedProvisioner) -> None:
    timeout = item.call.timeout
    config = with_build_data(item.config, ctx.build_data)
    if not timeout:
        item.provisioner.provision(ctx, communicator, config)
        return
    ctx.ui.say(f"Setting a {go_duration_text(timeout)} timeout for the next provisioner...")
    try:
        item.provisioner.provision(ctx, TimedCommunicator(communicator, timeout), config)
    except ProvisionerTimeout:
        ctx.ui.error("Cancelling provisioner after a timeout...")
        raise
