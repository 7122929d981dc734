"""Packer's ``-only``/``-except`` build selection (gobwas-style globs, ``*`` crosses dots)."""

from __future__ import annotations

import re
from dataclasses import replace

from .model import Template


def glob_to_regex(pattern: str) -> re.Pattern:
    out, pos = [], 0
    while pos < len(pattern):
        char = pattern[pos]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", pos + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[pos + 1:end]
                out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
                pos = end
        elif char == "{":
            end = pattern.find("}", pos + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                out.append("(?:" + "|".join(re.escape(a) for a in
                                            pattern[pos + 1:end].split(",")) + ")")
                pos = end
        else:
            out.append(re.escape(char))
        pos += 1
    return re.compile("".join(out) + r"\Z")


def _split(patterns: list[str] | None) -> list[str]:
    return [p.strip() for value in patterns or [] for p in value.split(",") if p.strip()]


def select_builds(template: Template, only: list[str] | None = None,
                  except_: list[str] | None = None) -> list:
    """Builds whose sources match ``only`` and not ``except_``; empty builds are dropped.

    HCL2 templates match globs on ``[build.]type.name``; legacy JSON uses exact names.
    """
    only_patterns, except_patterns = _split(only), _split(except_)
    exact = template.kind == "json"

    def matches(name: str, patterns: list[str]) -> bool:
        if exact:
            return name in patterns
        return any(glob_to_regex(p).match(name) for p in patterns)

    selected = []
    for build in template.builds:
        sources = [s for s in build.sources
                   if (not only_patterns or matches(build.build_name(s), only_patterns))
                   and not matches(build.build_name(s), except_patterns)]
        if not sources:
            continue
        chains = []
        for chain in build.post_processors:
            kept = []
            for step in chain:
                if except_patterns and matches(step.name or step.type, except_patterns):
                    break
                kept.append(step)
            if kept:
                chains.append(kept)
        selected.append(replace(build, sources=sources, post_processors=chains))
    return selected
