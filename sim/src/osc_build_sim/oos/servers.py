"""Start and stop each Region's OOS process (``moto_app``), on ports kept across restarts.

The ports are remembered in ``DATA_DIR/oos/ports.json``: pre-signed URLs written into
export manifests name them, and must still work after the simulator restarts.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)
HOST = "127.0.0.1"
PORT_WAIT = 10.0


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wipe_objects(data_dir: Path) -> None:
    """``osc-build-sim reset``: every Region's buckets and objects (ports are kept)."""
    root = Path(data_dir) / "oos"
    if root.is_dir():
        for path in root.iterdir():
            if path.is_dir():
                shutil.rmtree(path)


def region_keys(accounts, regions: Iterable[str]) -> dict[str, dict[str, str]]:
    """``{region: {access_key: account_id}}``: a Region's OOS knows its own accounts' keys."""
    keys: dict[str, dict[str, str]] = {}
    for region in regions:
        keys[region] = {key.access_key: account.account_id for account in accounts
                        if account.region in (region, "")
                        for key in account.access_keys}
    return keys


class OosServers:
    """One moto S3 process per Region; ``endpoints`` maps each Region to its base URL.

    Each Region's port is bound and listening from ``start()``; its moto process (1-2 s
    of start-up) is spawned at the first connection, with the listening socket handed
    over: a simulator whose OOS is never used pays nothing for it.
    """

    def __init__(self, data_dir: Path, regions: Iterable[str]) -> None:
        self.root = Path(data_dir) / "oos"
        self.root.mkdir(parents=True, exist_ok=True)
        self.regions = list(regions)
        self.endpoints: dict[str, str] = {}
        self._sockets: dict[str, socket.socket] = {}
        self._processes: dict[str, subprocess.Popen] = {}
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def _ports(self) -> dict[str, int]:
        path = self.root / "ports.json"
        known = json.loads(path.read_text()) if path.exists() else {}
        ports = {}
        for region in self.regions:
            port = known.get(region)
            deadline = time.monotonic() + PORT_WAIT
            while port is not None and not _port_free(port) and time.monotonic() < deadline:
                time.sleep(0.1)  # the OOS of a simulator just killed is still exiting
            if port is None or not _port_free(port):
                if port is not None:
                    log.warning("OOS port %s of %s is taken: URLs pre-signed before this "
                                "restart no longer reach it", port, region)
                port = _free_port()
            ports[region] = port
        path.write_text(json.dumps({**known, **ports}, indent=2))
        return ports

    def write_keys(self, keys: dict[str, dict[str, str]]) -> None:
        """``{region: {access_key: account_id}}``: who may use each Region's OOS."""
        for region in self.regions:
            path = self.root / f"{region}.keys.json"
            staging = path.with_suffix(".tmp")
            staging.write_text(json.dumps(keys.get(region, {})))
            staging.chmod(0o600)
            staging.replace(path)

    def start(self) -> None:
        """Listen on every Region's port; the watcher spawns a process at first use."""
        for region, port in self._ports().items():
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((HOST, port))
            sock.listen(128)
            self._sockets[region] = sock
            self.endpoints[region] = f"http://{HOST}:{port}"
        self._watcher = threading.Thread(target=self._watch, name="oos-watcher", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        # The processes are spawned from this thread, which lives until stop(): their
        # parent-death signal (see moto_app) fires when it ends or the simulator is killed.
        while not self._stopping.is_set():
            waiting = {sock: region for region, sock in self._sockets.items()
                       if region not in self._processes}
            if not waiting:
                self._stopping.wait(0.5)
                continue
            ready, _, _ = select.select(list(waiting), [], [], 0.2)
            for sock in ready:
                if not self._stopping.is_set():
                    self._spawn(waiting[sock], sock)

    def _spawn(self, region: str, sock: socket.socket) -> None:
        log_file = open(self.root / f"{region}.log", "ab")  # noqa: SIM115
        self._processes[region] = subprocess.Popen(
            [sys.executable, "-m", "osc_build_sim.oos.moto_app", "--fd", str(sock.fileno()),
             "--parent", str(os.getpid()),
             "--keys", str(self.root / f"{region}.keys.json"),
             "--store", str(self.root / region)],
            stdout=log_file, stderr=log_file, stdin=subprocess.DEVNULL,
            pass_fds=(sock.fileno(),),
            env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"})
        log_file.close()
        log.info("OOS of %s started on %s", region, self.endpoints[region])

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        for process in self._processes.values():
            if process.poll() is None:
                process.terminate()
        for region, process in self._processes.items():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                log.warning("the OOS of %s did not stop; killing it", region)
                process.kill()
                process.wait()
        self._processes.clear()
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()
