"""The one error hierarchy of osc-build.

Every error a user can cause or fix is an :class:`OscBuildError`: the CLI prints
it as one line (what, why, what to do) and exits 1, without a traceback unless
``--debug``. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class OscBuildError(Exception):
    """A handled error: printed as one line, exit code 1."""

    exit_code = 1


class UsageError(OscBuildError):
    """A mistake in the command line."""


class ConfigError(OscBuildError):
    """Invalid configuration: an option, a template or a credentials file."""


class TemplateError(ConfigError):
    """A template that cannot be parsed or evaluated; carries its location."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        self.file, self.line, self.column = file, line, column
        where = ":".join(str(part) for part in (file, line, column) if part is not None)
        super().__init__(f"{where}: {message}" if where else message)


class PluginError(OscBuildError):
    """A component that is unknown, not installed, duplicated or fails to import."""


class BuildError(OscBuildError):
    """A build step failed."""


class Interrupted(OscBuildError):
    """The build was interrupted (Ctrl-C or SIGTERM)."""


def error_text(err: BaseException, *, first_line: bool = False) -> str:
    """An error as users read it: its message, or its type's name when it has none.

    ``first_line``: only the message's first line, for one-line reports (leaks, steps).
    """
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0] if first_line else text
