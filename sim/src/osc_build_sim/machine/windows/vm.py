"""What makes a sandboxed VM a Windows VM: its WinRM endpoint, Administrator password,
first-boot user data and restarts asked for from inside.

State kept with the VM (``DATA/machine/vms/ID/windows.json``, never in the volume, never
logged): the password generated at its first boot, how many times it booted, its WinRM
configuration and whether its user data ran.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import ssl
import string
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from osc_build_sim import tls
from osc_build_sim.machine.sandbox import PATH, Sandbox
from osc_build_sim.machine.windows.endpoint import WinRmEndpoint, WinRmService
from osc_build_sim.machine.windows.runtime import default_env

log = logging.getLogger(__name__)

WINRM_PORTS = (5985, 5986)
# EC2-style blocks (what Packer users write) and OUTSCALE's own wrappers (UG "Configuring a
# VM with User Data and OUTSCALE Tags": a script between two `# autoexecutepowershell` or
# `# autoexecutepowershellnopasswd` lines).
_BLOCK = re.compile(r"<(powershell|script)>(.*?)</\1>"
                    r"|^[ \t]*#[ \t]*(autoexecutepowershell(?:nopasswd)?)[ \t]*\r?$(.*?)"
                    r"^[ \t]*#[ \t]*\3[ \t]*\r?$", re.S | re.I | re.M)
_SYMBOLS = "!#$%&()*+-.;=?@[]_"


def new_password(length: int = 24) -> str:
    """A password of Windows' complexity rules: upper, lower, digit and symbol."""
    alphabet = string.ascii_letters + string.digits + _SYMBOLS
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (any(c.isupper() for c in password) and any(c.islower() for c in password)
                and any(c.isdigit() for c in password) and any(c in _SYMBOLS for c in password)):
            return password


def user_data_blocks(user_data: bytes) -> list[tuple[str, str]]:
    """The ``<powershell>``/``<script>`` blocks and OUTSCALE ``# autoexecutepowershell``
    sections of user data, in order, as ("powershell" or "script", text)."""
    text = user_data.decode("utf-8", errors="replace")
    return [(kind.lower(), body) if kind else ("powershell", wrapped)
            for kind, body, _, wrapped in _BLOCK.findall(text)]


class WindowsVm:
    def __init__(self, vm_id: str, vm_dir: Path, sandbox: Sandbox, addresses: list[str],
                 is_allowed: Callable[[str, int], bool], user_data: bytes, tls_dir: Path,
                 restart: Callable[[], None], ports: tuple[int, int] = WINRM_PORTS):
        self.vm_id = vm_id
        self.vm_dir = vm_dir
        self.sandbox = sandbox
        self.user_data = user_data
        self.restart = restart
        self.state_path = vm_dir / "windows.json"
        self.lock = threading.Lock()
        self.state = self._load()
        self.up = False  # WinRM answering in this boot
        self.pending_restart: threading.Timer | None = None  # shutdown /r /t N, until due
        self.service = WinRmService(vm_id, self._spawn, self._on_control,
                                    lambda: self.state.get("winrm", {}),
                                    lambda: self.state.get("password", ""),
                                    default_env(vm_id),
                                    lambda: self.pending_restart is not None)
        cert = tls.issue_server_cert(tls_dir, vm_dir / "winrm-server.pem", vm_id, addresses)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert)
        self.endpoint = WinRmEndpoint(vm_id, addresses, ports, is_allowed, self.service, context)

    # -- state ------------------------------------------------------------------------

    def _load(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}

    def _save(self) -> None:
        staging = self.state_path.with_suffix(".tmp")
        staging.write_text(json.dumps(self.state))
        staging.chmod(0o600)
        staging.replace(self.state_path)

    def booting(self) -> None:
        """A boot begins (first or not): counted; the password made at the first."""
        with self.lock:
            self.state["boots"] = self.state.get("boots", 0) + 1
            if "generated_password" not in self.state:
                self.state["generated_password"] = self.state["password"] = new_password()
            self._save()

    @property
    def readable_password(self) -> str | None:
        """What ReadAdminPassword returns: the generated password once the first boot is up,
        nothing before it or after a later boot (OAPI: "After the first boot, returns an
        empty string")."""
        if self.up and self.state.get("boots") == 1:
            return self.state.get("generated_password")
        return None

    # -- boot ---------------------------------------------------------------------------

    def serve(self) -> None:
        """The guest is up: WinRM answers; on the first boot, user data runs."""
        self.endpoint.start()
        self.up = True
        log.info("VM %s: WinRM on %s ports %s", self.vm_id, self.endpoint.addresses,
                 self.endpoint.ports)
        persist = "<persist>true</persist>" in self.user_data.decode(errors="replace").lower()
        if not self.state.get("user_data_done") or persist:
            threading.Thread(target=self._run_user_data, name=f"userdata-{self.vm_id}",
                             daemon=True).start()

    def stop(self) -> None:
        self.up = False
        with self.lock:
            if self.pending_restart is not None:
                self.pending_restart.cancel()
                self.pending_restart = None
        self.endpoint.stop()

    def _run_user_data(self) -> None:
        blocks = user_data_blocks(self.user_data)
        with self.lock:
            self.state["user_data_done"] = True
            self._save()
        for kind, body in blocks:
            if not self.up:
                return
            self._console(f"EC2Launch-like agent (osc-build-sim): running a <{kind}> block "
                          "of the user data\n")
            try:
                if kind == "powershell":
                    encoded = base64.b64encode(body.encode("utf-16-le")).decode()
                    out, err, code = self.service.run_command(
                        f"powershell -ExecutionPolicy Bypass -NoProfile -EncodedCommand "
                        f"{encoded}")
                else:
                    out, err, code = self.service.run_command("", batch=body)
            except Exception as error:  # the VM went away meanwhile
                self._console(f"user data stopped: {error}\n")
                return
            self._console((out + err).decode("cp437", errors="replace").replace("\r\n", "\n")
                          + f"<{kind}> block exited with {code}\n")

    def _console(self, text: str) -> None:
        with open(self.sandbox.console_path, "a", encoding="utf-8") as console:
            console.write(text)

    # -- commands -----------------------------------------------------------------------

    def _spawn(self, spec: dict, control_fd: int) -> subprocess.Popen:
        """The guest runner for ``spec``, which it reads from a pipe (commands may hold
        secrets: they never appear on a command line of this machine)."""
        spec = {**spec, "pid": self.sandbox.init_pid, "control_fd": control_fd}
        read_end, write_end = os.pipe()
        try:
            argv = self.sandbox.confine_argv(
                [sys.executable, "-m", "osc_build_sim.machine.windows.guest", str(read_end)])
            process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, pass_fds=(control_fd, read_end),
                                       start_new_session=True, env={"PATH": PATH})
        finally:
            os.close(read_end)
        with os.fdopen(write_end, "wb") as sink:
            sink.write(json.dumps(spec).encode())
        return process

    def _on_control(self, message: dict) -> None:
        if "winrm" in message:
            change = message["winrm"]
            with self.lock:
                section = self.state.setdefault("winrm", {}).setdefault(change["path"], {})
                section.update({str(k): str(v) for k, v in change["values"].items()})
                self._save()
            log.info("VM %s: WinRM configuration %s changed", self.vm_id, change["path"])
        if "password" in message:
            with self.lock:
                self.state["password"] = str(message["password"])
                self._save()
            log.info("VM %s: the Administrator password was changed from inside", self.vm_id)
        if "restart" in message:
            # 1 s at least: the reply to the command that asked must get out first
            delay = max(float(message["restart"]), 1.0)
            with self.lock:
                if self.pending_restart is None:
                    log.info("VM %s: restart asked from inside (in %.0f s)", self.vm_id, delay)
                    self.pending_restart = threading.Timer(delay, self._restart_due)
                    self.pending_restart.daemon = True
                    self.pending_restart.start()
        if "abort" in message:
            with self.lock:
                if self.pending_restart is not None:
                    self.pending_restart.cancel()
                    self.pending_restart = None
                    log.info("VM %s: scheduled restart aborted from inside", self.vm_id)

    def _restart_due(self) -> None:
        with self.lock:
            self.pending_restart = None
        try:
            self.restart()
        except Exception:
            log.exception("VM %s: restart failed", self.vm_id)


def wait_then(delay: float, action: Callable[[], None], name: str) -> None:
    """Run ``action`` after ``delay`` seconds on a thread of its own."""
    def run() -> None:
        time.sleep(delay)
        try:
            action()
        except Exception:
            log.exception("%s failed", name)
    threading.Thread(target=run, name=name, daemon=True).start()
