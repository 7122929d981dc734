"""RE2-flavoured regular expressions on Python's ``re`` (named groups, ``$1`` replacements)."""

from __future__ import annotations

import re


def go_regex(pattern: str) -> re.Pattern:
    """Compile an RE2 pattern: ``(?P<name>...)`` is shared; ``\\z`` becomes ``\\Z``."""
    try:
        return re.compile(pattern.replace(r"\z", r"\Z"))
    except re.error as exc:
        raise ValueError(f"invalid regular expression pattern: {exc}") from None


def regex_replace(text: str, pattern: str, replacement: str) -> str:
    """Go's ``ReplaceAllString``: ``$1``, ``${1}``, ``${name}``, ``$$`` in the replacement."""
    compiled = go_regex(pattern)

    def expand(match: re.Match) -> str:
        def group(m: re.Match) -> str:
            if m.group(0) == "$$":
                return "$"
            name = m.group(1) or m.group(2)
            try:
                key: int | str = int(name)
            except ValueError:
                key = name
            try:
                return match.group(key) or ""
            except IndexError:
                return ""
        return re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", group, replacement)

    return compiled.sub(expand, text)


def _captures(match: re.Match, compiled: re.Pattern) -> object:
    if compiled.groupindex:
        return {name: match.group(name) or "" for name in compiled.groupindex}
    if compiled.groups:
        return [g or "" for g in match.groups()]
    return match.group(0)


def regex(pattern: str, text: str) -> object:
    compiled = go_regex(pattern)
    match = compiled.search(text)
    if match is None:
        raise ValueError("pattern did not match any part of the given string")
    return _captures(match, compiled)


def regexall(pattern: str, text: str) -> list:
    compiled = go_regex(pattern)
    return [_captures(m, compiled) for m in compiled.finditer(text)]
