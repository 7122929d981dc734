"""``communicator = "none"``: there is no way into the machine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from osc_build.errors import BuildError

_WHY = ("the build uses communicator \"none\", so {what} cannot reach the machine; set "
        "communicator = \"ssh\" (with ssh_username), or remove the shell and file "
        "provisioners (shell-local and breakpoint still work)")


class NoneCommunicator:
    """Fails every operation with a message that says how to fix the template."""

    def run(self, command: str, *, env: Mapping[str, str] | None = None,
            timeout: float | None = None) -> int:
        raise BuildError(_WHY.format(what="a remote command"))

    def upload(self, source: Path, destination: str) -> None:
        raise BuildError(_WHY.format(what=f"an upload to {destination}"))

    def upload_content(self, content: bytes | str, destination: str, *,
                       mode: int = 0o644) -> None:
        raise BuildError(_WHY.format(what=f"an upload to {destination}"))

    def download(self, source: str, destination: Path) -> None:
        raise BuildError(_WHY.format(what=f"a download of {source}"))

    def clear_authorized_keys(self) -> None:
        """Nothing to clear without a connection."""

    def close(self) -> None:
        """Nothing to close."""
