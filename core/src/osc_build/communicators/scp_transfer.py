"""Files and directories over the scp protocol: Packer's default ``ssh_file_transfer_method``.

Some images ship an SSH server without the SFTP subsystem; scp only needs the ``scp`` program
on the VM. Modes of local files are kept, as over SFTP. Glob downloads stay on SFTP (the scp
protocol has no listing).
"""

from __future__ import annotations

import io
import posixpath
import shlex
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import paramiko
from scp import SCPClient, SCPException

Check = Callable[[], None]


def _client(transport: paramiko.Transport, check: Check | None) -> SCPClient:
    progress = (lambda _name, _size, _sent: check()) if check is not None else None
    return SCPClient(transport, progress=progress, socket_timeout=60.0)


def remote_status(transport: paramiko.Transport, command: str) -> int:
    """Exit status of a short remote command (``mkdir -p``, ``test -d``)."""
    channel = transport.open_session()
    try:
        channel.exec_command(command)
        return channel.recv_exit_status()
    finally:
        channel.close()


def makedirs(transport: paramiko.Transport, path: str) -> None:
    if path and path != "/" and remote_status(transport, f"mkdir -p {shlex.quote(path)}"):
        raise OSError(f"cannot create the remote directory {path}")


def is_remote_dir(transport: paramiko.Transport, path: str) -> bool:
    return remote_status(transport, f"test -d {shlex.quote(path)}") == 0


def put_file(transport: paramiko.Transport, source: Path, destination: str,
             check: Check | None = None) -> None:
    makedirs(transport, posixpath.dirname(destination))
    with _client(transport, check) as client:
        client.put(str(source), destination)


def put_tree(transport: paramiko.Transport, source: Path, destination: str,
             check: Check | None = None) -> None:
    """Upload the contents of directory ``source`` into ``destination``."""
    makedirs(transport, destination)
    entries = [str(entry) for entry in sorted(source.iterdir())]
    if entries:
        with _client(transport, check) as client:
            client.put(entries, destination, recursive=True)


def put_content(transport: paramiko.Transport, data: bytes, destination: str,
                mode: int) -> None:
    makedirs(transport, posixpath.dirname(destination))
    with _client(transport, None) as client:
        client.putfo(io.BytesIO(data), destination, mode=f"{mode:04o}", size=len(data))


def get_file(transport: paramiko.Transport, source: str, destination: Path,
             check: Check | None = None) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with _client(transport, check) as client:
        client.get(source, str(destination))
    _received(destination, source)


def get_tree(transport: paramiko.Transport, source: str, destination: Path,
             check: Check | None = None) -> None:
    """Download the contents of remote directory ``source`` into ``destination``.

    scp nests a directory inside an existing target, so it lands in a fresh folder first.
    """
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent) as scratch:
        landing = Path(scratch) / "tree"
        with _client(transport, check) as client:
            client.get(source, str(landing), recursive=True)
        _received(landing, source)
        shutil.copytree(landing, destination, dirs_exist_ok=True)


def _received(path: Path, source: str) -> None:
    """The scp client ends without error when the remote side sends nothing at all (no
    scp program there): only the missing result tells."""
    if not path.exists():
        raise SCPException(f"nothing received for {source}")


ERRORS = (SCPException,)
