"""What ``shell`` and ``shell-local`` share: script sources, variables and ``{{.Field}}``."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields, validates

from osc_build.config import OptionsSchema, cross_check, option

if TYPE_CHECKING:
    from osc_build.context import BuildContext

DEFAULT_SHEBANG = "/bin/sh -e"
DEFAULT_VAR_FORMAT = "%s='%s' "
_FIELD = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ScriptOptionsSchema(OptionsSchema):
    """Options of a provisioner that runs scripts."""

    inline = option(fields.List(fields.String(), load_default=None),
                    "Commands to run, one per line of a generated script.")
    inline_shebang = option(fields.String(load_default=DEFAULT_SHEBANG),
                            "Interpreter line of the script made from inline.")
    script = option(fields.String(load_default=None), "Path of a local script to run.")
    scripts = option(fields.List(fields.String(), load_default=None),
                     "Paths of local scripts to run, in order.")
    environment_vars = option(fields.List(fields.String(), load_default=list),
                              "Variables for the scripts, as KEY=value.")
    env = option(fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict),
                 "Variables for the scripts, as a map; wins over environment_vars.")
    env_var_format = option(fields.String(load_default=DEFAULT_VAR_FORMAT),
                            "printf-style format of one variable in {{.Vars}}.")
    valid_exit_codes = option(fields.List(fields.Integer(), load_default=lambda: [0]),
                              "Exit codes that count as success.")

    @cross_check
    def _one_script_source(self, data: Mapping[str, Any], **_: Any) -> None:
        given = [key for key in ("inline", "script", "scripts") if data.get(key)]
        if not given:
            raise ValidationError("either a script file or inline script must be specified "
                                  "(inline, script or scripts)")
        if len(given) > 1:
            raise ValidationError(f"only one of inline, script or scripts can be specified, "
                                  f"not {' and '.join(given)}")

    @validates("script")
    def _script_exists(self, value: str | None, **_: Any) -> None:
        if value:
            _check_script(value)

    @validates("scripts")
    def _scripts_exist(self, value: list[str] | None, **_: Any) -> None:
        for path in value or ():
            _check_script(path)

    @validates("environment_vars")
    def _vars_are_assignments(self, value: list[str], **_: Any) -> None:
        for item in value:
            key, sep, _rest = item.partition("=")
            if not sep or not _VAR_NAME.match(key):
                raise ValidationError(f"environment variable not in format 'key=value': "
                                      f"{item!r}")

    @validates("env")
    def _env_names(self, value: dict[str, str], **_: Any) -> None:
        for key in value:
            if not _VAR_NAME.match(key):
                raise ValidationError(f"environment variable name {key!r} is invalid")


def _check_script(path: str) -> None:
    if not os.path.isfile(path):
        raise ValidationError(f"bad script {path!r}: no such file (paths are relative to the "
                              "directory osc-build runs in)")


INLINE = "inline script"


@dataclass(frozen=True)
class Script:
    label: str  # what the UI shows: a path, or "inline script"
    content: bytes

    @property
    def what(self) -> str:
        """How errors name it: ``inline script`` or ``script ./setup.sh``."""
        return self.label if self.label == INLINE else f"script {self.label}"


def scripts_of(config: Any) -> list[Script]:
    """The scripts to run, in order; inline lines become one script with a shebang."""
    if config.inline:
        lines = [str(line) for line in config.inline]
        shebang = config.inline_shebang or DEFAULT_SHEBANG
        if not (lines and lines[0].startswith("#!") and shebang == DEFAULT_SHEBANG):
            lines.insert(0, f"#!{shebang}")
        return [Script(INLINE, ("\n".join(lines) + "\n").encode())]
    paths = [config.script] if config.script else list(config.scripts or ())
    out = []
    for path in paths:
        with open(path, "rb") as handle:
            out.append(Script(path, handle.read()))
    return out


def build_name(ctx: BuildContext) -> str:
    """Packer's PACKER_BUILD_NAME: the source's name (``main`` in ``outscale-bsu.main``)."""
    prefix = f"{ctx.builder}."
    return ctx.name.split(prefix, 1)[1] if prefix in ctx.name else ctx.name


def variables(ctx: BuildContext, config: Any,
              extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """PACKER_BUILD_NAME, PACKER_BUILDER_TYPE, then environment_vars, then env."""
    out = {"PACKER_BUILD_NAME": build_name(ctx), "PACKER_BUILDER_TYPE": ctx.builder}
    out.update(extra or {})
    for item in config.environment_vars or ():
        key, _, value = item.partition("=")
        out[key] = value
    out.update(config.env or {})
    return out


def format_vars(values: Mapping[str, str], fmt: str = DEFAULT_VAR_FORMAT) -> str:
    """Packer's ``{{.Vars}}``: sorted, single quotes escaped for a single-quoted shell word."""
    return "".join(fmt % (key, values[key].replace("'", "'\"'\"'")) for key in sorted(values))


def expand(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{{.Path}}``-style fields; unknown fields are left as they are."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def check_exit_code(status: int, valid: Sequence[int], script: Script) -> None:
    from osc_build.errors import BuildError

    if status not in valid:
        raise BuildError(f"{script.what} exited with non-zero exit status: {status}. "
                         f"Allowed exit codes are: {list(valid)}")


def upload_bytes(communicator: Any, content: bytes, destination: str, mode: int) -> None:
    """Upload ``content``; through a temporary file when the communicator takes only files."""
    if hasattr(communicator, "upload_content"):
        communicator.upload_content(content, destination, mode=mode)
        return
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(prefix="osc-build-") as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(content)
        path.chmod(mode)
        communicator.upload(path, destination)
