"""Exit statuses of commands killed by a signal, which paramiko does not report.

An SSH server sends ``exit-signal`` instead of ``exit-status`` when the command
dies of a signal (OOM killer, ``kill -9``). paramiko ignores that message, so
the command would look like a lost connection; we report ``128 + signal``, as
shells (and Go's SSH client, hence Packer) do.
"""

from __future__ import annotations

import logging
import signal

import paramiko
from paramiko.common import MSG_CHANNEL_REQUEST

log = logging.getLogger(__name__)


def _handle_request(channel: paramiko.Channel, message: paramiko.Message) -> None:
    start = message.packet.tell()
    if message.get_text() == "exit-signal":
        message.get_boolean()  # want_reply: never for exit-signal
        name = message.get_text()
        try:
            number = signal.Signals[f"SIG{name}"].value
        except KeyError:
            number = 0
        log.debug("remote command killed by signal %s", name)
        channel.exit_status = 128 + number
        channel.status_event.set()
        return
    message.packet.seek(start)
    paramiko.Channel._handle_request(channel, message)


def report_exit_signals(transport: paramiko.Transport) -> None:
    """Make ``transport``'s channels turn ``exit-signal`` into an exit status."""
    table = getattr(type(transport), "_channel_handler_table", None)
    if not isinstance(table, dict) or MSG_CHANNEL_REQUEST not in table:
        log.debug("this paramiko has no channel handler table; exit signals stay unknown")
        return
    transport._channel_handler_table = {**table, MSG_CHANNEL_REQUEST: _handle_request}
