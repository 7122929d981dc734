"""Legacy JSON templates (``builders``, ``provisioners``, ``post-processors``...)."""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from osc_build.errors import TemplateError

from .legacy import interpolate
from .model import PACKER_COMPAT_VERSION, Build, Location, Source, Step, Template, Variable
from .requirements import satisfies

TOP_LEVEL = {"description", "min_packer_version", "variables", "sensitive-variables",
             "builders", "provisioners", "post-processors", "error-cleanup-provisioner", "push"}
STEP_KEYS = {"type", "only", "except", "override", "pause_before", "max_retries", "timeout",
             "name", "keep_input_artifact"}
# {{user `x`}} or {{ user "x" }}; in the JSON text the double quotes are escaped.
_USER_REFERENCE = re.compile(r'\{\{-?\s*user\s+(?:`(?P<raw>[^`]*)`|\\?"(?P<quoted>[^"\\]*)\\?")')

log = logging.getLogger(__name__)


def load_json(path: Path, *, vars: Mapping[str, str], var_files: list[Path],
              env: Mapping[str, str]) -> Template:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        raise TemplateError(f"Cannot read template: {exc.strerror}", file=name) from None
    except json.JSONDecodeError as exc:
        raise TemplateError(f"Error parsing JSON: {exc.msg}", file=name, line=exc.lineno,
                            column=exc.colno) from None
    if not isinstance(data, dict):
        raise TemplateError("Invalid template: a JSON object is expected", file=name)
    unknown = [k for k in data if k not in TOP_LEVEL and not k.startswith("_")]
    if unknown:
        raise TemplateError(f'Unknown root level key in template: "{unknown[0]}"', file=name)
    if "min_packer_version" in data and not satisfies(
            PACKER_COMPAT_VERSION, ">= " + str(data["min_packer_version"])):
        raise TemplateError(f"This template requires Packer version "
                            f"{data['min_packer_version']} or higher; osc-build behaves as "
                            f"{PACKER_COMPAT_VERSION}", file=name)
    _check_user_references(data, text, name)
    root = path.parent.resolve()
    template = Template(path=path, kind="json", builds=[], variables={}, root=root,
                        description=str(data.get("description", "")))
    user_vars = _variables(data, name, vars, var_files, env, root)
    template.user_variables = user_vars
    sensitive = set(data.get("sensitive-variables") or [])
    for key, value in user_vars.items():
        template.variables[key] = Variable(key, value, "string", key in sensitive,
                                           location=Location(name))
        if key in sensitive and value:
            template.sensitive_values.add(value)

    builders = data.get("builders") or []
    if not builders:
        raise TemplateError("Invalid template: at least one builder must be defined",
                            file=name)
    provisioners = [_step(p, name, i, "provisioner") for i, p in
                    enumerate(data.get("provisioners") or [])]
    cleanup = data.get("error-cleanup-provisioner")
    chains = [_chain(pp, name) for pp in data.get("post-processors") or []]
    names = set()
    for index, builder in enumerate(builders):
        if not isinstance(builder, dict) or "type" not in builder:
            raise TemplateError(f"builder {index + 1}: missing 'type'", file=name)
        config = {k: v for k, v in builder.items() if k not in ("type", "name")}
        builder_name = builder.get("name", builder["type"])
        if builder_name in names:
            raise TemplateError(f"builder {index + 1}: builder with name '{builder_name}' "
                                "already exists", file=name)
        names.add(builder_name)
        render = _renderer(user_vars, builder_name, builder["type"], root, env)
        source = Source(builder["type"], builder_name, render(config), Location(name),
                        label=builder_name, legacy=True)
        build = Build("", "", [source], provisioners=[_render_step(p, render)
                                                      for p in provisioners],
                      error_cleanup_provisioner=_render_step(
                          _step(cleanup, name, 0, "error-cleanup-provisioner"), render)
                      if cleanup else None,
                      post_processors=[[_render_step(s, render) for s in c] for c in chains],
                      location=Location(name))
        template.builds.append(build)
    return template


def _variables(data: dict, name: str, cli_vars: Mapping[str, str], var_files: list[Path],
               env: Mapping[str, str], root: Path) -> dict[str, str]:
    declared = data.get("variables") or {}
    values: dict[str, str | None] = {}
    for key, default in declared.items():
        values[key] = None if default is None else interpolate(
            str(default), None, env=env, allow_env=True, template_dir=str(root))
    for file in var_files:
        try:
            extra = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise TemplateError(f"Cannot read variable file: {exc}", file=str(file)) from None
        if not isinstance(extra, dict):
            raise TemplateError("Invalid variable file: a JSON object of variable values is "
                                'expected, e.g. {"region": "eu-west-2"}', file=str(file))
        for key in extra:
            if key not in declared:  # Packer warns: one var file may serve several templates
                log.warning('Warning: %s: Undefined variable: "%s" is set but not declared in '
                            'the "variables" section of %s; it is ignored.', file, key, name)
        values.update({k: str(v) for k, v in extra.items() if k in declared})
    for key in cli_vars:
        if key not in declared:
            raise TemplateError(f'Undefined -var variable: "{key}" is not declared in the '
                                f'"variables" section.{_suggest(key, list(declared))} Declare '
                                f'it there, e.g. "variables": {{"{key}": ""}}, or fix the '
                                "name.", file=name)
    values.update(cli_vars)
    missing = [k for k, v in values.items() if v is None]
    if missing:
        raise TemplateError(f"Required variable not set: {', '.join(sorted(missing))}",
                            file=name)
    return {k: str(v) for k, v in values.items()}


def _check_user_references(data: dict, text: str, name: str) -> None:
    """Each {{user `x`}} names a declared variable (Packer would render it empty)."""
    declared = data.get("variables") or {}
    if not isinstance(declared, dict):
        raise TemplateError('Invalid template: "variables" must be an object of name: default',
                            file=name)
    for key, value in data.items():
        if key.startswith("_") or key == "description":
            continue
        for variable in _user_references(value):
            if variable not in declared:
                line, column = _position_of(variable, text)
                raise TemplateError(
                    f'Undefined user variable "{variable}": {{{{user `{variable}`}}}} names no '
                    f'variable of the "variables" section.{_suggest(variable, list(declared))} '
                    f'Declare it there, e.g. "variables": {{"{variable}": ""}}, or fix the '
                    "name.", file=name, line=line, column=column)


def _user_references(value: object) -> Iterator[str]:
    if isinstance(value, str):
        for match in _USER_REFERENCE.finditer(value):
            yield match["raw"] if match["raw"] is not None else match["quoted"]
    elif isinstance(value, list):
        for item in value:
            yield from _user_references(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _user_references(item)


def _position_of(variable: str, text: str) -> tuple[int | None, int | None]:
    """Line and column of the first reference to ``variable`` in the JSON text."""
    for match in _USER_REFERENCE.finditer(text):
        if variable in (match["raw"], match["quoted"]):
            before = text[:match.start()]
            return before.count("\n") + 1, match.start() - before.rfind("\n")
    return None, None


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f' Did you mean "{close[0]}"?' if close else ""


def _renderer(user_vars: dict, build_name: str, build_type: str, root: Path,
              env: Mapping[str, str]):
    def render(value: object) -> object:
        if isinstance(value, str):
            return interpolate(value, None, user_vars=user_vars, env=env,
                               build_name=build_name, build_type=build_type,
                               template_dir=str(root))
        if isinstance(value, list):
            return [render(v) for v in value]
        if isinstance(value, dict):
            return {k: render(v) for k, v in value.items()}
        return value
    return render


def _step(raw: object, name: str, index: int, kind: str) -> Step:
    if isinstance(raw, str):
        raw = {"type": raw}
    if not isinstance(raw, dict) or "type" not in raw:
        raise TemplateError(f"{kind} {index + 1}: missing 'type'", file=name)
    step = Step(raw["type"], {k: v for k, v in raw.items() if k not in STEP_KEYS},
                name=str(raw.get("name", "")), only=list(raw.get("only", [])),
                except_=list(raw.get("except", [])),
                pause_before=str(raw.get("pause_before", "")),
                timeout=str(raw.get("timeout", "")), override=dict(raw.get("override", {})),
                keep_input_artifact=raw.get("keep_input_artifact"), location=Location(name))
    try:
        step.max_retries = int(raw.get("max_retries", 0) or 0)
    except ValueError:
        raise TemplateError(f"{kind} {index + 1}: max_retries must be a number",
                            file=name) from None
    return step


def _chain(raw: object, name: str) -> list[Step]:
    items = raw if isinstance(raw, list) else [raw]
    return [_step(item, name, i, "post-processor") for i, item in enumerate(items)]


def _render_step(step: Step, render) -> Step:
    from dataclasses import replace
    return replace(step, config=render(step.config), override=render(step.override))
