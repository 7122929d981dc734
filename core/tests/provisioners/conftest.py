"""A recording communicator and a build context whose output the tests read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from osc_build.config import load_options
from osc_build.provision import PreparedProvisioner, ProvisionerCall, prepare_provisioners
from osc_build.testing import CapturedBuild, captured_build


@dataclass
class RecordingCommunicator:
    """Remembers what the provisioner asked for; answers with scripted exit statuses."""

    statuses: list[int] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    timeouts: list[float | None] = field(default_factory=list)
    files: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    uploads: list[tuple[Path, str]] = field(default_factory=list)
    downloads: list[tuple[str, Path]] = field(default_factory=list)

    def run(self, command, *, env=None, timeout=None) -> int:
        self.commands.append(command)
        self.timeouts.append(timeout)
        return self.statuses.pop(0) if self.statuses else 0

    def upload(self, source, destination) -> None:
        self.uploads.append((Path(source), destination))

    def upload_content(self, content, destination, *, mode=0o644) -> None:
        self.files[destination] = (content, mode)

    def download(self, source, destination) -> None:
        self.downloads.append((source, Path(destination)))

    def close(self) -> None:
        pass


@pytest.fixture
def build(tmp_path) -> CapturedBuild:
    return captured_build(tmp_path)


@pytest.fixture
def comm() -> RecordingCommunicator:
    return RecordingCommunicator()


@pytest.fixture
def prepared() -> Callable[..., list[PreparedProvisioner]]:
    """``prepared(("shell", {...}), ...)``: provisioners loaded through their entry points."""
    def prepare(*blocks, **call_options) -> list[PreparedProvisioner]:
        return prepare_provisioners([ProvisionerCall(type_, config, **call_options)
                                     for type_, config in blocks])
    return prepare


@pytest.fixture
def loaded() -> Callable[..., dict]:
    """Load one provisioner's options as a build would: ``loaded("shell", inline=[...])``."""
    def load(type_: str, **options) -> dict:
        from osc_build import registry

        cls = registry.load(registry.PROVISIONER, type_)
        return load_options(cls.schema, options, where=f"provisioner {type_!r}")
    return load
