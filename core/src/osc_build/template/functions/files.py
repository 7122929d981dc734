"""Filesystem functions; relative paths resolve against ``path.root`` (the template folder)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from ..values import to_string


def make(base_dir: Path, render_template) -> dict:
    """Functions bound to the template folder; ``render_template(text, path, vars)``."""

    def resolve(path: object) -> Path:
        candidate = Path(os.path.expanduser(to_string(path)))
        return candidate if candidate.is_absolute() else base_dir / candidate

    def read(path: object) -> str:
        target = resolve(path)
        try:
            return target.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f'no file exists at "{to_string(path)}"') from None
        except (IsADirectoryError, UnicodeDecodeError, PermissionError) as exc:
            raise ValueError(f'cannot read "{to_string(path)}": {exc}') from None

    def templatefile(path: object, variables: object) -> object:
        if not isinstance(variables, dict):
            raise ValueError("second argument must be a map or object of template variables")
        return render_template(read(path), str(resolve(path)), variables)

    return {
        "file": read,
        "fileexists": lambda path: resolve(path).is_file(),
        "filebase64": lambda path: base64.b64encode(resolve(path).read_bytes()).decode(),
        "templatefile": templatefile,
        "abspath": lambda path: os.path.abspath(to_string(path)),
        "basename": lambda path: os.path.basename(to_string(path).rstrip("/")) or "/",
        "dirname": lambda path: os.path.dirname(to_string(path).rstrip("/") or "/") or ".",
        "pathexpand": lambda path: os.path.expanduser(to_string(path)),
    }
