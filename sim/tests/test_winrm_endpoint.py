"""The WinRM endpoint (WS-Management over HTTP) with pywinrm, without a VM.

Commands run in the real guest runner process, on a plain directory as C: instead of a
VM's volume (the machine tests, ``machine/test_windows.py``, do it inside VMs): what is
checked here is the protocol as a client sees it.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator

import pytest
from winrm.exceptions import InvalidCredentialsError, WSManFaultError
from winrm.protocol import Protocol

from osc_build_sim import tls
from osc_build_sim.machine.windows import endpoint as winrm_endpoint
from osc_build_sim.machine.windows.endpoint import WinRmEndpoint, WinRmService
from osc_build_sim.machine.windows.runtime import default_env

PASSWORD = "S3cret-pass!"
OPEN = {"service": {"AllowUnencrypted": "true"}, "service/auth": {"Basic": "true"}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path) -> Iterator[tuple[int, list[dict]]]:
    root = tmp_path / "c"
    (root / "Windows" / "Temp").mkdir(parents=True)
    (root / "Users" / "Administrator").mkdir(parents=True)
    requests_made: list[dict] = []

    def spawn(spec: dict, control_fd: int) -> subprocess.Popen:
        read_end, write_end = os.pipe()
        process = subprocess.Popen(
            [sys.executable, "-m", "osc_build_sim.machine.windows.guest", str(read_end)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(control_fd, read_end), start_new_session=True)
        os.close(read_end)
        with os.fdopen(write_end, "wb") as sink:
            sink.write(json.dumps({**spec, "root": str(root), "control_fd": control_fd}).encode())
        return process

    service = WinRmService("i-test", spawn, requests_made.append, lambda: OPEN,
                           lambda: PASSWORD, default_env("i-test"))
    cert = tls.issue_server_cert(tmp_path / "tls", tmp_path / "server.pem", "i-test",
                                 ["127.0.0.1"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert)
    port = _free_port()
    endpoint = WinRmEndpoint("i-test", ["127.0.0.1"], (port, _free_port()),
                             lambda ip, port: True, service, context)
    endpoint.start()
    try:
        yield port, requests_made
    finally:
        endpoint.stop()


def client(port: int, password: str = PASSWORD, timeout: int = 20) -> Protocol:
    return Protocol(f"http://127.0.0.1:{port}/wsman", transport="basic",
                    username="Administrator", password=password,
                    operation_timeout_sec=timeout, read_timeout_sec=timeout + 5)


def test_a_command_that_outlasts_the_operation_timeout_is_received_in_turns(server):
    port, _ = server
    protocol = client(port, timeout=2)  # each Receive gives up after about 1 s: retried
    shell = protocol.open_shell()
    command = protocol.run_command(shell, 'powershell -Command "Write-Output start; '
                                          'Start-Sleep -Seconds 2; Write-Output end; exit 2"')
    assert protocol.get_command_output(shell, command) == (b"start\r\nend\r\n", b"", 2)
    protocol.cleanup_command(shell, command)
    protocol.close_shell(shell)


def test_shell_environment_directory_arguments_and_restart_requests(server):
    port, requests_made = server
    protocol = client(port)
    shell = protocol.open_shell(env_vars={"GREETING": "hi"}, working_directory="C:\\Windows")
    command = protocol.run_command(shell, "echo", ["%GREETING%", "from", "%CD%"])
    stdout, _, code = protocol.get_command_output(shell, command)
    assert (stdout, code) == (b"hi from C:\\Windows\r\n", 0)
    command = protocol.run_command(shell, "cd")
    assert protocol.get_command_output(shell, command)[0] == b"C:\\Windows\r\n"
    command = protocol.run_command(shell, "shutdown /r /t 5")
    assert protocol.get_command_output(shell, command)[2] == 0
    assert requests_made == [{"restart": 5.0}]
    protocol.close_shell(shell)


def test_faults_for_unknown_shells_and_too_many_shells(server, monkeypatch):
    port, _ = server
    protocol = client(port)
    with pytest.raises(WSManFaultError) as fault:
        protocol.run_command("00000000-0000-0000-0000-000000000000", "echo x")
    assert fault.value.wsman_fault_code == 2150858843
    monkeypatch.setattr(winrm_endpoint, "MAX_SHELLS", 2)
    shells = [protocol.open_shell(), protocol.open_shell()]
    with pytest.raises(WSManFaultError) as fault:
        protocol.open_shell()
    assert fault.value.wsman_fault_code == 2150859174
    protocol.close_shell(shells[0])
    protocol.close_shell(protocol.open_shell())  # a place again


def test_wrong_password_is_401(server):
    port, _ = server
    with pytest.raises(InvalidCredentialsError):
        client(port, password="wrong").open_shell()


def test_the_guest_runner_reads_its_spec_from_a_pipe(tmp_path):
    """No secret of a command reaches the runner's command line (visible to every user)."""
    read_end, write_end = os.pipe()
    os.write(write_end, json.dumps({"root": str(tmp_path), "command": "echo secret-value",
                                    "cwd": "C:\\"}).encode())
    os.close(write_end)
    result = subprocess.run(
        [sys.executable, "-m", "osc_build_sim.machine.windows.guest", str(read_end)],
        pass_fds=(read_end,), capture_output=True, check=False)
    os.close(read_end)
    assert (result.returncode, result.stdout) == (0, b"secret-value\r\n")
