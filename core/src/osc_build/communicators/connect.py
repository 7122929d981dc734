"""Waiting for a VM's SSH server, and connecting to it (directly or through a bastion).

Packer's rules: TCP failures are retried until ``ssh_timeout``; authentication
failures count against ``ssh_handshake_attempts`` (0 = unlimited). Each attempt
runs in a worker thread so that Ctrl-C stops the wait within a fraction of a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import paramiko
from fabric import Config, Connection

from osc_build.communicators import bastion_login
from osc_build.communicators.exitsignal import report_exit_signals
from osc_build.communicators.keys import attach_certificate, load_key_file, load_key_text
from osc_build.communicators.options import (
    ALGORITHM_ALIASES,
    DEFAULT_SSH_TIMEOUT,
    seconds,
    supported_algorithms,
)
from osc_build.communicators.socks_proxy import SocksProxy
from osc_build.errors import BuildError, ConfigError, Interrupted
from osc_build.log import register_secret

if TYPE_CHECKING:
    from osc_build.communicators.ssh import SshCommunicator
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)


class _TransportErrorsAsDebug(logging.Filter):
    """paramiko's transport thread logs a reset or garbled handshake at ERROR, traceback
    included: a booting VM's sshd does that. The wait retries it and names the last error
    itself, so these records are debug detail (shown with ``--debug`` or in the log file)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("paramiko.transport").addFilter(_TransportErrorsAsDebug())

RETRY_INTERVAL = 2.0  # between TCP attempts (Packer: 5 s); a booting VM answers sooner
AUTH_RETRY_INTERVAL = 2.0
CONNECT_TIMEOUT = 10.0  # one TCP connect
POLL = 0.1
prompt_for_bastion: bastion_login.Prompt | None = None  # None: the terminal


@dataclass
class SshSettings:
    """What one SSH connection needs, resolved from the options once."""

    host: str
    port: int
    username: str
    connect_kwargs: dict[str, Any]
    timeout: float
    handshake_attempts: int
    pause_before_connecting: float
    keep_alive: float
    read_write_timeout: float
    pty: bool
    public_key: str | None  # base64 of the key we log in with, for clear_authorized_keys
    bastion: SshSettings | None = None
    # Where the key came from, for other SSH clients (the ansible provisioner's endpoint()).
    private_key_pem: str | None = field(default=None, repr=False)
    private_key_file: str | None = None
    file_transfer: str = "scp"  # or "sftp"
    proxy: SocksProxy | None = None
    local_tunnels: list[str] | None = None  # "PORT:HOST:PORT"
    remote_tunnels: list[str] | None = None
    forward_agent: bool = True  # the local SSH agent, to remote commands (Packer's default)
    # ssh_bastion_interactive: the bastion's questions are asked once, so its connection is
    # kept from one attempt (and reconnection) to the next, until the communicator closes.
    interactive: bool = False
    live: Connection | None = field(default=None, repr=False, compare=False)

    @property
    def address(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


def resolve_settings(host: str, options: Any, private_key_pem: str | None) -> SshSettings:
    """Turn the loaded communicator options into connection settings.

    ``options`` is any options object with the attributes of
    :class:`~osc_build.communicators.options.CommunicatorOptionsSchema`.
    """
    username = options.ssh_username
    if not username:
        raise ConfigError("ssh_username must be set to connect over SSH")
    pkey = None
    if private_key_pem:
        pkey = load_key_text(private_key_pem, where="the temporary private key")
    elif options.ssh_private_key_file:
        pkey = load_key_file(options.ssh_private_key_file, option="ssh_private_key_file")
        if options.ssh_certificate_file:
            attach_certificate(pkey, options.ssh_certificate_file, option="ssh_certificate_file")
    password = options.ssh_password
    register_secret(password)
    kwargs: dict[str, Any] = {"allow_agent": bool(options.ssh_agent_auth),
                              "look_for_keys": False}
    if pkey is not None:
        kwargs["pkey"] = pkey
    if password:
        kwargs["password"] = password
    kwargs.update(algorithm_limits(options))
    if pkey is None and not password and not kwargs["allow_agent"]:
        raise ConfigError("no SSH credentials: give a temporary key, ssh_private_key_file, "
                          "ssh_password or ssh_agent_auth")
    try:
        settings = SshSettings(
            host=options.ssh_host or host, port=int(options.ssh_port or 22), username=username,
            connect_kwargs=kwargs, timeout=seconds(options.ssh_timeout or DEFAULT_SSH_TIMEOUT),
            handshake_attempts=int(options.ssh_handshake_attempts or 0),
            pause_before_connecting=seconds(options.pause_before_connecting),
            keep_alive=seconds(options.ssh_keep_alive_interval),
            read_write_timeout=seconds(options.ssh_read_write_timeout),
            pty=bool(options.ssh_pty),
            public_key=pkey.get_base64() if pkey is not None else None,
            private_key_pem=private_key_pem or None,
            private_key_file=None if private_key_pem else options.ssh_private_key_file,
            file_transfer=options.ssh_file_transfer_method or "scp",
            local_tunnels=options.ssh_local_tunnels, remote_tunnels=options.ssh_remote_tunnels,
            proxy=_proxy(options),
            forward_agent=not options.ssh_disable_agent_forwarding)
    except ValueError as err:
        raise ConfigError(f"communicator options: {err}") from None
    if options.ssh_bastion_host:
        settings.bastion = _bastion_settings(options, pkey if private_key_pem is None else None,
                                             settings)
    return settings


def _bastion_settings(options: Any, main_key: paramiko.PKey | None,
                      target: SshSettings) -> SshSettings:
    """The bastion's connection settings; ``prompt_for_bastion`` (tests) replaces the
    terminal for ssh_bastion_interactive."""
    key_file = options.ssh_bastion_private_key_file
    if key_file:
        pkey = load_key_file(key_file, option="ssh_bastion_private_key_file")
        if options.ssh_bastion_certificate_file:
            attach_certificate(pkey, options.ssh_bastion_certificate_file,
                               option="ssh_bastion_certificate_file")
    else:
        pkey, key_file = main_key, target.private_key_file
    password = options.ssh_bastion_password
    register_secret(password)
    kwargs: dict[str, Any] = {"allow_agent": bool(options.ssh_bastion_agent_auth),
                              "look_for_keys": False}
    if pkey is not None:
        kwargs["pkey"] = pkey
    if password:
        kwargs["password"] = password
    host, port = options.ssh_bastion_host, int(options.ssh_bastion_port or 22)
    username = options.ssh_bastion_username or target.username
    interactive = bool(options.ssh_bastion_interactive)
    if interactive:
        address = f"{username}@{host}:{port}"
        prompt = prompt_for_bastion
        if prompt is None:
            if not bastion_login.has_terminal():
                raise bastion_login.no_terminal_error(address)
            prompt = bastion_login.terminal_prompt(address)
        kwargs = {"auth_strategy": bastion_login.InteractiveBastionLogin(
            username, address, prompt, pkey=pkey, password=password,
            agent=kwargs["allow_agent"])}
    return SshSettings(
        host=host, port=port, username=username, connect_kwargs=kwargs,
        timeout=target.timeout, handshake_attempts=0, pause_before_connecting=0.0,
        keep_alive=target.keep_alive, read_write_timeout=0.0, pty=False, public_key=None,
        private_key_file=key_file if pkey is not None else None, interactive=interactive)


def algorithm_limits(options: Any) -> dict[str, Any]:
    """ssh_ciphers / ssh_key_exchange_algorithms as paramiko's ``disabled_algorithms``."""
    disabled: dict[str, list[str]] = {}
    for key, kind in (("ssh_ciphers", "ciphers"), ("ssh_key_exchange_algorithms", "kex")):
        wanted = {ALGORITHM_ALIASES.get(name, name) for name in getattr(options, key) or ()}
        if wanted:
            disabled[kind] = [name for name in supported_algorithms()[key] if name not in wanted]
    return {"disabled_algorithms": disabled} if disabled else {}


def _proxy(options: Any) -> SocksProxy | None:
    if not options.ssh_proxy_host:
        return None
    register_secret(options.ssh_proxy_password)
    return SocksProxy(options.ssh_proxy_host, int(options.ssh_proxy_port or 1080),
                      options.ssh_proxy_username, options.ssh_proxy_password)


def _connection(settings: SshSettings, connect_timeout: float) -> Connection:
    gateway = _gateway(settings.bastion, connect_timeout) if settings.bastion else None
    extra: dict[str, Any] = {}
    if settings.proxy is not None:
        extra["sock"] = settings.proxy.connect(settings.host, settings.port, connect_timeout)
    # A person answers an interactive bastion's questions: give them ssh_timeout, not 30 s.
    auth_timeout = max(30.0, settings.timeout) if settings.interactive else 30
    return Connection(
        settings.host, user=settings.username, port=settings.port, gateway=gateway,
        config=Config(overrides={"load_ssh_configs": False}),
        connect_timeout=max(1, round(connect_timeout)),
        connect_kwargs={**settings.connect_kwargs, **extra, "banner_timeout": 30,
                        "auth_timeout": auth_timeout})


def _gateway(bastion: SshSettings, connect_timeout: float) -> Connection:
    if not bastion.interactive:
        return _connection(bastion, connect_timeout)
    if bastion.live is None or not bastion.live.is_connected:
        bastion.live = _connection(bastion, connect_timeout)
    return bastion.live


def kept_bastion(settings: SshSettings) -> Connection | None:
    return settings.bastion.live if settings.bastion is not None else None


def open_connection(settings: SshSettings, connect_timeout: float = CONNECT_TIMEOUT) -> Connection:
    """One connection attempt; raises what paramiko raises."""
    conn = _connection(settings, connect_timeout)
    try:
        conn.open()
    except BaseException:
        _close_quietly(conn, keep=kept_bastion(settings))
        raise
    if settings.keep_alive > 0:
        conn.transport.set_keepalive(max(1, round(settings.keep_alive)))
    report_exit_signals(conn.transport)
    return conn


def wait_for_connection(ctx: BuildContext, settings: SshSettings, *,
                        opener: Callable[..., Connection] = open_connection) -> Connection:
    """Connect, retrying until ``ssh_timeout``; stop promptly on cancellation."""
    deadline = time.monotonic() + settings.timeout
    auth_failures = 0
    last_error = "no attempt made"
    while True:
        ctx.check_cancelled()
        limit = min(CONNECT_TIMEOUT, max(deadline - time.monotonic(), 1.0))
        try:
            return _attempt(ctx, lambda limit=limit: opener(settings, limit))
        except paramiko.AuthenticationException as err:
            auth_failures += 1
            last_error = f"authentication failed: {err}"
            log.debug("SSH to %s: %s (%d)", settings.address, last_error, auth_failures)
            if settings.handshake_attempts and auth_failures >= settings.handshake_attempts:
                raise BuildError(
                    f"SSH authentication to {settings.address} failed {auth_failures} times "
                    f"({err}); check ssh_username and the key or password, or raise "
                    "ssh_handshake_attempts") from None
            interval = AUTH_RETRY_INTERVAL
        except (OSError, EOFError, paramiko.SSHException) as err:
            last_error = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
            log.debug("SSH to %s not ready: %s", settings.address, last_error)
            interval = RETRY_INTERVAL
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BuildError(
                f"timeout waiting for SSH on {settings.address} after {settings.timeout:g}s "
                f"(last error: {last_error}); check that the VM boots, that its security "
                "group lets this machine reach the port, ssh_username, or raise ssh_timeout")
        if ctx.cancelled.wait(min(interval, remaining)):
            ctx.check_cancelled()


def _attempt(ctx: BuildContext, attempt: Callable[[], Connection]) -> Connection:
    """Run one blocking attempt in a thread; give up on it when the build is cancelled."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["conn"] = attempt()
        except BaseException as err:
            outcome["error"] = err
        if ctx.cancelled.is_set() and "conn" in outcome:
            _close_quietly(outcome["conn"])

    worker = threading.Thread(target=target, name="ssh-connect", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(POLL)
        if ctx.cancelled.is_set() and worker.is_alive():
            raise Interrupted(f"build {ctx.name!r} was interrupted while waiting for SSH")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["conn"]


def _close_quietly(conn: Connection, keep: Connection | None = None) -> None:
    """Close ``conn`` and its bastion connection, unless that is ``keep``."""
    try:
        conn.close()
        gateway = conn.gateway
        if isinstance(gateway, Connection) and gateway is not keep:
            gateway.close()
    except (OSError, EOFError, paramiko.SSHException):
        log.debug("closing an SSH connection failed", exc_info=True)


def connect_ssh(ctx: BuildContext, host: str, options: Any,
                private_key_pem: str | None = None) -> SshCommunicator:
    """Wait for the VM's SSH server and return a connected communicator.

    ``options`` holds the loaded communicator options (``ssh_username``, ``ssh_timeout``,
    bastion...). ``private_key_pem`` is the temporary keypair's private key;
    without it, ``ssh_private_key_file``, the agent or ``ssh_password`` are used.
    Honours ``pause_before_connecting``, ``ssh_handshake_attempts`` and
    ``ctx.cancelled`` (raises :class:`~osc_build.errors.Interrupted`).
    """
    from osc_build.communicators.ssh import SshCommunicator

    settings = resolve_settings(host, options, private_key_pem)
    ctx.ui.say("Waiting for SSH to become available...")
    log.debug("connecting to %s%s", settings.address,
              f" through {settings.bastion.address}" if settings.bastion else "")
    try:
        conn = wait_for_connection(ctx, settings)
        if settings.pause_before_connecting > 0:
            _close_quietly(conn, keep=kept_bastion(settings))
            ctx.ui.say(f"Pausing {settings.pause_before_connecting:g}s before connecting...")
            if ctx.cancelled.wait(settings.pause_before_connecting):
                ctx.check_cancelled()
            conn = wait_for_connection(ctx, settings)
    except BaseException:
        bastion_login.close_kept(settings)
        raise
    ctx.ui.say("Connected to SSH!")
    return SshCommunicator(ctx, settings, conn,
                           reconnect=lambda: wait_for_connection(ctx, settings))
