"""Logging in to a bastion that asks questions: ``ssh_bastion_interactive``.

As Packer does, the bastion's keyboard-interactive prompts (a one-time code, a password) are
asked on the terminal. Keys, the agent and ``ssh_bastion_password`` are offered first; a
bastion that wants a key *and* a code (OpenSSH ``AuthenticationMethods
publickey,keyboard-interactive``) answers the key with a partial success, and the prompts
come next.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import termios
import threading
from collections.abc import Callable, Iterator
from typing import Any, TextIO

import paramiko

from osc_build.errors import BuildError

log = logging.getLogger(__name__)

# (title, instructions, [(prompt, echo), ...]) -> one answer per prompt
Prompt = Callable[[str, str, list[tuple[str, bool]]], list[str]]

_ASKING = threading.Lock()  # parallel builds: one set of questions on the terminal at a time
TTY = "/dev/tty"


def no_terminal_error(address: str) -> BuildError:
    return BuildError(
        f"ssh_bastion_interactive: the bastion {address} may ask questions "
        "(keyboard-interactive), but osc-build has no terminal to ask them on; run it from a "
        "terminal, or log in to the bastion with ssh_bastion_private_key_file, "
        "ssh_bastion_password or ssh_bastion_agent_auth")


def has_terminal() -> bool:
    try:
        os.close(os.open(TTY, os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def terminal_prompt(address: str) -> Prompt:
    """Ask the bastion's questions on the controlling terminal; hidden answers stay hidden."""

    def ask(title: str, instructions: str, prompts: list[tuple[str, bool]]) -> list[str]:
        if not prompts:
            return []
        with _ASKING, _open_terminal(address) as tty:
            tty.write(f"Bastion {address} asks (keyboard-interactive):\n")
            for text in (title, instructions):
                if text.strip():
                    tty.write(text.rstrip("\n") + "\n")
            tty.flush()
            return [_read(tty, text, echo) for text, echo in prompts]

    return ask


@contextlib.contextmanager
def _open_terminal(address: str) -> Iterator[TextIO]:
    try:
        fd = os.open(TTY, os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise no_terminal_error(address) from None
    # unbuffered: a terminal cannot seek, which a buffered "r+" file needs
    with io.TextIOWrapper(io.FileIO(fd, "r+"), encoding="utf-8", errors="replace",
                          write_through=True) as tty:
        yield tty


def _read(tty: TextIO, prompt: str, echo: bool) -> str:
    fd = tty.fileno()
    saved = None
    if not echo:  # echo off before the prompt shows: nothing typed after it is echoed
        saved = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
    try:
        tty.write(prompt)
        tty.flush()
        line = tty.readline()
    finally:
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSAFLUSH, saved)
            tty.write("\n")
            tty.flush()
    if not line:
        raise BuildError("ssh_bastion_interactive: the terminal closed before the bastion's "
                         "questions were answered")
    return line.rstrip("\r\n")


class InteractiveBastionLogin:
    """paramiko's ``auth_strategy`` for the bastion: every credential given, then the prompts.

    Unlike paramiko's own strategies it keeps going after a partial success, which is how a
    bastion asks for a second factor.
    """

    def __init__(self, username: str, address: str, prompt: Prompt, *,
                 pkey: paramiko.PKey | None = None, password: str | None = None,
                 agent: bool = False) -> None:
        self.username = username
        self.address = address
        self.prompt = prompt
        self.pkey = pkey
        self.password = password
        self.agent = agent

    def _methods(self) -> Iterator[tuple[str, Callable[[paramiko.Transport], Any]]]:
        user = self.username
        if self.pkey is not None:
            yield "key", lambda t: t.auth_publickey(user, self.pkey)
        if self.agent:
            for key in paramiko.Agent().get_keys():
                yield "agent key", lambda t, key=key: t.auth_publickey(user, key)
        if self.password:
            yield "password", lambda t: t.auth_password(user, self.password)
        yield "keyboard-interactive", self._interactive

    def _interactive(self, transport: paramiko.Transport) -> Any:
        failure: list[BaseException] = []

        def answer(title: str, instructions: str, prompts: Any) -> list[str]:
            try:  # runs on paramiko's transport thread: errors are carried back here
                return list(self.prompt(title, instructions, [(p, bool(e)) for p, e in prompts]))
            except BaseException as err:
                failure.append(err)
                return []

        try:
            return transport.auth_interactive(self.username, answer)
        except paramiko.AuthenticationException:
            if failure:
                raise failure[0] from None
            raise

    def authenticate(self, transport: paramiko.Transport) -> None:
        refused: list[str] = []
        for name, method in self._methods():
            try:
                method(transport)
            except paramiko.BadAuthenticationType as err:
                refused.append(f"{name}: not accepted (the bastion offers "
                               f"{', '.join(err.allowed_types)})")
                continue
            except paramiko.AuthenticationException as err:
                refused.append(f"{name}: {err}")
                continue
            if transport.is_authenticated():
                return
        raise paramiko.AuthenticationException(
            f"the bastion {self.address} refused the login ({'; '.join(refused)})")


def close_kept(settings: Any) -> None:
    """Close the bastion connection kept for an interactive bastion (``SshSettings``), if any."""
    bastion = settings.bastion
    if bastion is not None and bastion.live is not None:
        live, bastion.live = bastion.live, None
        try:
            live.close()
        except (OSError, EOFError, paramiko.SSHException):
            log.debug("closing the bastion connection failed", exc_info=True)
