"""Packer's legacy ``{{ ... }}`` interpolation (a Go text/template subset) in option strings.

Builders and provisioners call :func:`interpolate` when they prepare, as the Go plugins
do, and again at run time with build data (``{{ .SourceOMI }}``, ``{{ build `ID` }}``).
With ``build_info=None`` (prepare time) those build-data actions are left as written.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime

from osc_build.errors import TemplateError

from .model import PACKER_COMPAT_VERSION
from .timefmt import go_layout

INIT_TIME = datetime.now(UTC).replace(microsecond=0)
"""One fixed time per osc-build run for ``{{timestamp}}``/``{{isotime}}``."""

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_ARG = re.compile(r'\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\|)\s*|\s*([^\s|"`]+)\s*')
# What OUTSCALE's API accepts in a name (ImageName: letters, digits, _ space ( ) / . -);
# the Go plugin also kept [ ] ' @, which the API then refuses.
_CLEAN = re.compile(r"[^0-9A-Za-z_ ()/.\-]")


class _Deferred(Exception):
    """A build-data action seen before the build runs: keep the action as written."""


def clean_resource_name(name: str) -> str:
    """The Outscale plugin's rule: bytes outside ``[0-9A-Za-z()[] ./-'@_]`` become ``-``."""
    return _CLEAN.sub("-", name)


def interpolate(text: str, build_info: Mapping[str, object] | None = None, *,
                user_vars: Mapping[str, str] | None = None,
                env: Mapping[str, str] | None = None, build_name: str = "",
                build_type: str = "", template_dir: str = "", allow_env: bool = False,
                init_time: datetime | None = None) -> str:
    """Render ``text`` until it stops changing (nested templates), as Packer does."""
    context = {
        "build_info": build_info, "user_vars": user_vars or {},
        "env": os.environ if env is None else env, "build_name": build_name,
        "build_type": build_type, "template_dir": template_dir, "allow_env": allow_env,
        "init_time": init_time or INIT_TIME,
    }
    for _ in range(10):
        rendered = _render_once(text, context)
        if rendered == text:
            break
        text = rendered
    return text


def _render_once(text: str, context: dict) -> str:
    out, pos = [], 0
    for match in _ACTION.finditer(text):
        before = text[pos:match.start()]
        if match.group(1):
            before = before.rstrip()
        out.append(before)
        try:
            out.append(_pipeline(match.group(2).strip(), context))
        except _Deferred:
            out.append(match.group(0))
        pos = match.end()
        if match.group(3):
            rest = text[pos:]
            pos += len(rest) - len(rest.lstrip())
    out.append(text[pos:])
    return "".join(out)


def _tokens(action: str) -> list[list[str]]:
    commands: list[list[str]] = [[]]
    pos = 0
    while pos < len(action):
        match = _ARG.match(action, pos)
        if not match or match.end() == pos:
            raise TemplateError(f"template: root:1: unexpected {action[pos:]!r} in command")
        token = match.group(1) or match.group(2)
        if token == "|":
            commands.append([])
        else:
            commands[-1].append(token)
        pos = match.end()
    return commands


def _literal(token: str, context: dict) -> object:
    if token.startswith("`"):
        return token[1:-1]
    if token.startswith('"'):
        return token[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    if token.startswith("."):
        return _field(token, context)
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    return _call(token, [], context)


def _field(token: str, context: dict) -> object:
    info = context["build_info"]
    if info is None:
        raise _Deferred
    value: object = info
    for part in token.strip(".").split("."):
        if not part:
            continue
        if not isinstance(value, Mapping) or part not in value:
            return "<no value>"
        value = value[part]
    return value


def _pipeline(action: str, context: dict) -> str:
    if action.startswith("/*"):
        return ""
    value: object = None
    for index, command in enumerate(_tokens(action)):
        if not command:
            raise TemplateError("template: root:1: missing command in pipeline")
        name, args = command[0], [_literal(a, context) for a in command[1:]]
        if index > 0:
            args.append(value)
        if name.startswith((".", '"', "`")) or re.fullmatch(r"-?\d+", name):
            value = _literal(name, context)
        else:
            value = _call(name, args, context)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _call(name: str, args: list, context: dict) -> object:
    moment: datetime = context["init_time"]
    if name == "timestamp":
        return str(int(moment.timestamp()))
    if name == "isotime":
        return go_layout(moment, str(args[0])) if args else moment.isoformat().replace(
            "+00:00", "Z")
    if name == "strftime":
        return time.strftime(str(args[0]), moment.timetuple())
    if name == "uuid":
        import uuid  # rare in templates: not imported on every run

        return str(uuid.uuid1())
    if name == "user":
        return context["user_vars"].get(str(args[0]), "")
    if name == "env":
        if not context["allow_env"]:
            raise TemplateError(f'template: root:1: error calling env: env vars are not '
                                f'allowed here (use {{{{user `x`}}}} and set the variable '
                                f'to {{{{env `{args[0] if args else ""}`}}}})')
        return context["env"].get(str(args[0]), "")
    if name in ("clean_resource_name", "clean_omi_name"):
        return clean_resource_name(str(args[-1]))
    if name == "build":
        info = context["build_info"]
        if info is None or str(args[0]) not in info:
            raise _Deferred
        return info[str(args[0])]
    simple = {
        "build_name": lambda: context["build_name"],
        "build_type": lambda: context["build_type"],
        "template_dir": lambda: context["template_dir"],
        "pwd": os.getcwd,
        "packer_version": lambda: PACKER_COMPAT_VERSION,
        "upper": lambda: str(args[-1]).upper(),
        "lower": lambda: str(args[-1]).lower(),
        "split": lambda: str(args[0]).split(str(args[1]))[int(args[2])],
        "replace": lambda: str(args[3]).replace(str(args[0]), str(args[1]), int(args[2])),
        "replace_all": lambda: str(args[2]).replace(str(args[0]), str(args[1])),
    }
    if name not in simple:
        raise TemplateError(f'template: root:1: function "{name}" not defined')
    try:
        return simple[name]()
    except (IndexError, ValueError) as exc:
        raise TemplateError(f"template: root:1: error calling {name}: {exc}") from None
