"""What the Windows script provisioners share: options, script sources, retries."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from osc_build.communicators.options import Duration
from osc_build.config import option
from osc_build.durations import seconds
from osc_build.errors import BuildError
from osc_build.provisioners.scripts import INLINE, Script, ScriptOptionsSchema

if TYPE_CHECKING:
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_EVERY = 2.0  # Packer's retryableSleep


class WindowsScriptOptionsSchema(ScriptOptionsSchema):
    """inline / script / scripts / environment_vars / env / valid_exit_codes, as Packer's
    Windows provisioners take them (no shebang: Windows runs scripts by their extension)."""

    class Meta:
        exclude = ("inline_shebang",)

    start_retry_timeout = option(Duration(load_default="5m"),
                                 "How long to retry uploading and starting a script while the "
                                 "machine cannot be reached (e.g. it restarts).")


def scripts_of(config: Any) -> list[Script]:
    """The scripts to run, in order; inline commands become one script, a line each."""
    if config.inline:
        return [Script(INLINE, "".join(f"{line}\n" for line in config.inline).encode())]
    paths = [config.script] if config.script else list(config.scripts or ())
    out = []
    for path in paths:
        with open(path, "rb") as handle:
            out.append(Script(path, handle.read()))
    return out


def retrying(ctx: BuildContext, timeout_text: str, what: str, attempt: Callable[[], T]) -> T:
    """Run ``attempt`` again while it fails (the machine restarting), up to the timeout."""
    deadline = time.monotonic() + seconds(timeout_text)
    while True:
        try:
            return attempt()
        except BuildError as err:
            ctx.check_cancelled()
            if time.monotonic() + RETRY_EVERY > deadline:
                raise BuildError(f"{what}: {err} (retried for start_retry_timeout = "
                                 f"{timeout_text})") from None
            log.info("%s: %s failed (%s); retrying", ctx.name, what, err)
            if ctx.cancelled.wait(RETRY_EVERY):
                ctx.check_cancelled()
