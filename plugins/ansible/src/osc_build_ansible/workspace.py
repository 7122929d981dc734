"""A private directory for one run's key, inventory and Ansible's own temporary files.

The directory is 0700 and its files 0600; it is removed when the run ends, however it
ends (a failure, a timeout, Ctrl-C), so no key or inventory is left on the build host.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


class PrivateDir:
    """``with PrivateDir() as work: work.write("key", pem)`` -> a 0600 file, gone after."""

    def __init__(self, prefix: str = "osc-build-ansible-") -> None:
        self.prefix = prefix
        self.path: Path | None = None

    def __enter__(self) -> PrivateDir:
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix))  # mkdtemp makes it 0700
        return self

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None

    def write(self, name: str, content: str, directory: Path | None = None) -> Path:
        """Write a file only its owner can read, created so (no window where it is not)."""
        path = (directory or self.directory(".")) / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        return path

    def directory(self, name: str) -> Path:
        """A directory inside, made on first use (Ansible's temporary and control files)."""
        if self.path is None:
            raise RuntimeError("PrivateDir used outside its with block")
        path = self.path / name
        path.mkdir(mode=0o700, exist_ok=True)
        return path
