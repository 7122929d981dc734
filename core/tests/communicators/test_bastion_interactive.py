"""ssh_bastion_interactive: a paramiko bastion on loopback that wants a key and then answers
to its keyboard-interactive questions (a second factor), in front of a test VM."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import paramiko
import pytest

from osc_build.communicators import bastion_login, connect, connect_ssh
from osc_build.errors import BuildError

QUESTIONS = (("Verification code: ", False), ("Favourite colour: ", True))
ANSWERS = ["123456", "blue"]


@dataclass
class BastionState:
    key: paramiko.PKey
    two_factor: bool = True
    logins: int = 0
    answers: list[list[str]] = field(default_factory=list)
    forwarded: list[tuple[str, int]] = field(default_factory=list)


class _Bastion(paramiko.ServerInterface):
    def __init__(self, state: BastionState) -> None:
        self.state = state
        self.key_done = False
        self.destinations: dict[int, tuple[str, int]] = {}

    def get_allowed_auths(self, username: str) -> str:
        if self.state.two_factor and not self.key_done:
            return "publickey"
        return "keyboard-interactive"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        if key.get_base64() != self.state.key.get_base64():
            return paramiko.AUTH_FAILED
        self.key_done = True
        return paramiko.AUTH_PARTIALLY_SUCCESSFUL

    def check_auth_interactive(self, username: str, submethods: str):
        if self.state.two_factor and not self.key_done:
            return paramiko.AUTH_FAILED
        query = paramiko.InteractiveQuery("Bastion login", "Answer the questions.")
        for text, echo in QUESTIONS:
            query.add_prompt(text, echo)
        return query

    def check_auth_interactive_response(self, responses) -> int:
        self.state.answers.append(list(responses))
        if list(responses) != ANSWERS:
            return paramiko.AUTH_FAILED
        self.state.logins += 1
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_direct_tcpip_request(self, chanid, origin, destination) -> int:
        self.state.forwarded.append(tuple(destination))
        self.destinations[chanid] = tuple(destination)
        return paramiko.OPEN_SUCCEEDED


def _relay(channel: paramiko.Channel, target: socket.socket) -> None:
    with channel, target:
        while True:
            ready, _, _ = select.select([channel, target], [], [], 0.5)
            if channel in ready:
                data = channel.recv(65536)
                if not data:
                    return
                target.sendall(data)
            if target in ready:
                data = target.recv(65536)
                if not data:
                    return
                channel.sendall(data)


class BastionServer:
    def __init__(self, state: BastionState) -> None:
        self.state = state
        self.host_key = paramiko.Ed25519Key.from_private_key(_ed25519_pem())
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.transports: list[paramiko.Transport] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        transport = paramiko.Transport(client)
        self.transports.append(transport)
        transport.add_server_key(self.host_key)
        server = _Bastion(self.state)
        try:
            transport.start_server(server=server)
        except (paramiko.SSHException, EOFError):
            return
        while transport.is_active():
            channel = transport.accept(0.5)
            if channel is not None:
                target = socket.create_connection(server.destinations[channel.get_id()])
                threading.Thread(target=_relay, args=(channel, target), daemon=True).start()

    def close(self) -> None:
        self.listener.close()
        for transport in self.transports:
            transport.close()


def _ed25519_pem():
    import io

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return io.StringIO(ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption()).decode())


@pytest.fixture
def key_file(tmp_path, client_pem):
    path = tmp_path / "id_bastion"
    path.write_text(client_pem)
    path.chmod(0o600)
    return path


@pytest.fixture
def bastion(key_file):
    server = BastionServer(BastionState(key=paramiko.Ed25519Key.from_private_key_file(
        str(key_file))))
    yield server
    server.close()


@pytest.fixture
def asked(monkeypatch):
    """The questions the bastion asked, answered as a person at the terminal would."""
    questions: list[tuple[str, str, list[tuple[str, bool]]]] = []

    def prompt(title, instructions, prompts):
        questions.append((title, instructions, prompts))
        return list(ANSWERS)

    monkeypatch.setattr(connect, "prompt_for_bastion", prompt)
    return questions


def _options(options_for, target, bastion, key_file, **extra):
    return options_for(target, ssh_bastion_host="127.0.0.1", ssh_bastion_port=bastion.port,
                       ssh_bastion_private_key_file=str(key_file),
                       ssh_bastion_interactive=True, **extra)


def test_key_then_questions_once_for_the_whole_build(build, server, bastion, key_file, asked,
                                                     options_for, client_pem):
    options = _options(options_for, server, bastion, key_file)
    with connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem) as comm:
        assert comm.run("echo through") == 0
        comm._close()  # the VM dropped the connection (a reboot): reconnect
        assert comm.run("echo again") == 0
    assert asked == [("Bastion login", "Answer the questions.", list(QUESTIONS))]
    assert bastion.state.answers == [ANSWERS]
    assert bastion.state.logins == 1
    assert bastion.state.forwarded == [("127.0.0.1", server.port)] * 2
    assert server.state.commands == ["echo through", "echo again"]
    deadline = time.monotonic() + 5  # closed with the communicator: the bastion sees it
    while any(t.is_active() for t in bastion.transports) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.is_active() for t in bastion.transports)


def test_wrong_answers_are_an_authentication_failure(build, server, bastion, key_file,
                                                     monkeypatch, options_for, client_pem):
    monkeypatch.setattr(connect, "prompt_for_bastion", lambda *_: ["000000", "red"])
    options = _options(options_for, server, bastion, key_file, ssh_handshake_attempts=1)
    with pytest.raises(BuildError, match=r"the bastion builder@127\.0\.0\.1:\d+ refused the "
                                         r"login \(.*keyboard-interactive"):
        connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem)
    assert bastion.state.answers == [["000000", "red"]]
    assert server.state.logins == 0


def test_no_terminal_is_one_clear_error_before_connecting(build, server, bastion, key_file,
                                                          monkeypatch, tmp_path, options_for,
                                                          client_pem):
    monkeypatch.setattr(bastion_login, "TTY", str(tmp_path / "no-tty"))
    options = _options(options_for, server, bastion, key_file)
    with pytest.raises(BuildError, match=r"ssh_bastion_interactive: the bastion .* no terminal "
                                         r"to ask them on; run it from a terminal"):
        connect_ssh(build.ctx, "127.0.0.1", options, private_key_pem=client_pem)
    assert bastion.transports == []


TERMINAL_CHILD = """
import fcntl, json, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
from osc_build.communicators.bastion_login import terminal_prompt
answers = terminal_prompt("u@bastion:22")("Bastion login", "Answer the questions.",
                                          [("Verification code: ", False),
                                           ("Favourite colour: ", True)])
open(sys.argv[1], "w").write(json.dumps(answers))
"""


def test_the_terminal_prompt_hides_secret_answers(tmp_path):
    """The real prompt, on a pseudo-terminal that is the child's controlling terminal."""
    master, slave = os.openpty()
    result = tmp_path / "answers.json"
    child = subprocess.Popen([sys.executable, "-c", TERMINAL_CHILD, str(result)],
                             stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    seen = b""

    def read_until(text: bytes) -> None:
        nonlocal seen
        deadline = time.monotonic() + 20
        while text not in seen:
            assert time.monotonic() < deadline, seen
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 4096)

    try:
        read_until(b"Verification code: ")
        os.write(master, b"123456\n")
        read_until(b"Favourite colour: ")
        os.write(master, b"blue\n")
        read_until(b"blue")  # echoed: that question is not secret
        assert child.wait(20) == 0
    finally:
        child.kill()
        os.close(master)
    assert json.loads(result.read_text()) == ANSWERS
    assert b"Bastion u@bastion:22 asks (keyboard-interactive)" in seen
    assert b"Answer the questions." in seen
    assert b"123456" not in seen  # typed with echo off
