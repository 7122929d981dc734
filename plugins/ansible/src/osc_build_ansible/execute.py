"""Running Ansible's commands on the build host: streamed, stoppable, failures explained.

Each command runs in its own process group (``run_local``): Ctrl-C or the provisioner's
``timeout`` kills ansible-playbook and the ssh processes it started.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from osc_build.errors import BuildError
from osc_build.provision import CommandTimeout, ProvisionerTimeout, go_duration_text, time_left
from osc_build.provisioners.shell_local import run_local
from osc_build_ansible.play_output import PlayWatcher

if TYPE_CHECKING:
    from osc_build.context import BuildContext

log = logging.getLogger(__name__)


def check_version(argv: Sequence[str]) -> str:
    """``ansible-playbook --version``'s first line; a clear error when it does not run."""
    try:
        proc = subprocess.run([*argv, "--version"], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BuildError(f"cannot run {argv[0]!r} ({err}); install ansible-core, set "
                         "command to ansible-playbook's path, or skip_version_check") from None
    if proc.returncode != 0:
        first = (proc.stderr or proc.stdout).strip().splitlines()[:1]
        raise BuildError(f"{argv[0]} --version exited with status {proc.returncode}"
                         f"{': ' + first[0] if first else ''}; check command")
    return proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""


def run_ansible(ctx: BuildContext, communicator: object, argv: Sequence[str], *,
                env: Mapping[str, str], what: str) -> None:
    """Run ``argv`` here; raise a BuildError naming the failed task and host."""
    log.debug("%s: running %s (variables: %s)", ctx.name, " ".join(argv),
              ", ".join(sorted(env)))  # names only: values may be secrets
    watcher = PlayWatcher(ctx.ui.message)
    left = time_left(communicator)
    try:
        status = run_local(ctx, argv, env=env, timeout=left, on_line=watcher)
    except CommandTimeout as err:
        if left is None:
            raise
        total = getattr(communicator, "timeout", left)
        raise ProvisionerTimeout(f"timed out after {go_duration_text(total)}") from err
    if status != 0:
        raise BuildError(f"{what}: {watcher.explain(status)}")
