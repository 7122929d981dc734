"""Filesystem functions; relative paths resolve against ``path.root`` (the template folder)."""

from __future__ import annotations

import base64
import os
import re
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

    def fileset(path: object, pattern: object) -> list[str]:
        """Files under ``path`` whose relative path matches ``pattern`` (``*``, ``**``, ``?``,
        ``{a,b}``, ``[abc]``), sorted; directories are not listed, as in Packer."""
        root = resolve(path)
        matcher = glob_pattern(to_string(pattern))
        if not root.is_dir():
            return []
        found = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        return sorted(name for name in found if matcher.fullmatch(name))

    return {
        "file": read,
        "fileset": fileset,
        "fileexists": lambda path: resolve(path).is_file(),
        "filebase64": lambda path: base64.b64encode(resolve(path).read_bytes()).decode(),
        "templatefile": templatefile,
        "abspath": lambda path: os.path.abspath(to_string(path)),
        "basename": lambda path: os.path.basename(to_string(path).rstrip("/")) or "/",
        "dirname": lambda path: os.path.dirname(to_string(path).rstrip("/") or "/") or ".",
        "pathexpand": lambda path: os.path.expanduser(to_string(path)),
    }


def glob_pattern(pattern: str) -> re.Pattern[str]:
    """A doublestar glob as a regular expression over ``/``-separated relative paths."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{":
            end = pattern.find("}", i)
            if end < 0:
                raise ValueError(f'invalid pattern "{pattern}": unclosed "{{"')
            alternatives = pattern[i + 1:end].split(",")
            out.append("(?:" + "|".join(glob_pattern(a).pattern for a in alternatives) + ")")
            i = end + 1
            continue
        elif char == "[":
            end = pattern.find("]", i)
            if end < 0:
                raise ValueError(f'invalid pattern "{pattern}": unclosed "["')
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))
