"""``load_template``: the one entry point for HCL2 and legacy JSON templates."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from osc_build.errors import TemplateError

from .model import Template

if TYPE_CHECKING:
    from osc_build.problems import Problems

log = logging.getLogger(__name__)


def is_legacy_json(path: Path) -> bool:
    """A legacy JSON template: here, so that HCL templates never import the JSON loader."""
    return not path.is_dir() and not os.fspath(path).endswith((".pkr.hcl", ".pkr.json"))


def load_template(path: str | os.PathLike, vars: Mapping[str, str] | None = None,
                  var_files: list[str | os.PathLike] | None = None,
                  env: Mapping[str, str] | None = None,
                  datasource: Callable[[str, str, dict], dict] | None = None,
                  problems: Problems | None = None) -> Template:
    """Load and evaluate a template file or directory.

    ``datasource(type, name, config) -> outputs`` runs each ``data`` block in dependency
    order before sources are evaluated; ``None`` (validate mode) makes ``data.*`` unknown.
    With ``problems`` (validate), a ``data`` block that is wrong (type, options) adds its
    errors there and reads as unknown, so that the rest is checked in the same run.
    """
    path = Path(path)
    if not path.exists():
        raise TemplateError(f"Template not found: {path} does not exist; pass a .pkr.hcl, "
                            ".pkr.json or legacy .json file, or a directory of .pkr.hcl or "
                            ".pkr.json files")
    env = os.environ if env is None else env
    files = [Path(f) for f in var_files or []]
    for file in files:
        if not file.is_file():
            raise TemplateError(f"Variable file not found: {file}")
    if is_legacy_json(path):
        from .jsonloader import load_json
        return load_json(path, vars=dict(vars or {}), var_files=files, env=env)
    from .hcl2loader import load_hcl2
    template = load_hcl2(path, vars=dict(vars or {}), var_files=files, env=env,
                         datasource=datasource, problems=problems)
    for warning in template.warnings:
        log.warning("Warning: %s", warning)
    return template


def check_syntax(path: Path) -> None:
    """``validate -syntax-only``: every file parses; nothing is evaluated."""
    if not path.exists():
        raise TemplateError(f"Template not found: {path} does not exist")
    if is_legacy_json(path):
        import json

        try:
            json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise TemplateError(f"Error parsing JSON: {exc.msg}", file=str(path),
                                line=exc.lineno, column=exc.colno) from None
        return
    from .layout import template_files
    from .parser import parse_hcl

    for file in template_files(path)[0]:
        text = file.read_text(encoding="utf-8")
        if file.name.endswith(".pkr.json"):
            from .hcl_json import parse_json_template

            parse_json_template(text, str(file))
        else:
            parse_hcl(text, str(file))
