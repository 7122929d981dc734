"""``fmt``: Packer's canonical layout, changing whitespace only.

Like ``hclwrite.Format``: two spaces of indentation per open bracket, ``name = value``
with one space around ``=``, the ``=`` of consecutive single-line attributes aligned,
trailing spaces removed, heredoc bodies and ``/* */`` comments untouched. Spacing inside
expressions is left as written.
"""

from __future__ import annotations

import re

from .parser import parse_hcl

_ATTRIBUTE = re.compile(r'^((?:[A-Za-z_][\w-]*|"[^"]*"))\s*=(?![=>])\s*(.*)$')
_HEREDOC = re.compile(r"<<-?([A-Za-z][\w.-]*)\s*$")


class _Scanner:
    """Tracks bracket depth across lines, skipping strings, comments and heredocs."""

    def __init__(self) -> None:
        self.depth = 0
        self.stack: list[str] = []  # "code" brackets, "str" strings, "interp" in strings
        self.heredoc: str | None = None
        self.comment = False

    def scan(self, line: str) -> None:
        pos = 0
        while pos < len(line):
            char, pair = line[pos], line[pos:pos + 2]
            if self.comment:
                if pair == "*/":
                    self.comment = False
                    pos += 1
            elif self.stack and self.stack[-1] == "str":
                if char == "\\":
                    pos += 1
                elif pair in ("${", "%{"):
                    self.stack.append("interp")
                    pos += 1
                elif char == '"':
                    self.stack.pop()
            elif char == '"':
                self.stack.append("str")
            elif pair == "/*":
                self.comment = True
                pos += 1
            elif char == "#" or pair == "//":
                break
            elif char in "{[(":
                self.stack.append("code")
                self.depth += 1
            elif char in "}])":
                if self.stack and self.stack[-1] == "interp":
                    self.stack.pop()
                elif self.stack:
                    self.stack.pop()
                    self.depth -= 1
            pos += 1
        match = _HEREDOC.search(line)
        if match and not (self.stack and self.stack[-1] == "str"):
            self.heredoc = match.group(1)


def format_hcl(text: str, filename: str = "<stdin>") -> str:
    """The canonical form of ``text`` (raises TemplateError on a syntax error)."""
    parse_hcl(text, filename)
    scanner = _Scanner()
    out: list[tuple[str, int, bool]] = []  # (text, depth, alignable)
    for raw in text.split("\n"):
        if scanner.heredoc is not None:
            out.append((raw, -1, False))
            if raw.strip() == scanner.heredoc:
                scanner.heredoc = None
            continue
        if scanner.comment:
            out.append((raw.rstrip(), -1, False))
            scanner.scan(raw)
            continue
        line = raw.strip()
        depth_before = scanner.depth
        in_string = bool(scanner.stack) and scanner.stack[-1] in ("str", "interp")
        scanner.scan(line)
        if in_string:
            out.append((raw.rstrip(), -1, False))
            continue
        closers = len(line) - len(line.lstrip("}])"))
        depth = max(depth_before - closers, 0)
        match = _ATTRIBUTE.match(line)
        alignable = False
        if match:
            line = f"{match.group(1)} = {match.group(2)}".rstrip()
            alignable = scanner.depth == depth_before and scanner.heredoc is None
        out.append((line, depth, alignable))
    return "\n".join(_align(out)).rstrip("\n") + "\n"


def _align(lines: list[tuple[str, int, bool]]) -> list[str]:
    result: list[str] = []
    group: list[tuple[str, int]] = []

    def flush() -> None:
        width = max((len(_ATTRIBUTE.match(t).group(1)) for t, _ in group), default=0)
        for text, depth in group:
            match = _ATTRIBUTE.match(text)
            result.append("  " * depth + match.group(1).ljust(width) + " = " + match.group(2)
                          if match.group(2) else "  " * depth + match.group(1).ljust(width)
                          + " =")
        group.clear()

    for text, depth, alignable in lines:
        if alignable and (not group or group[-1][1] == depth):
            group.append((text, depth))
            continue
        flush()
        if alignable:
            group.append((text, depth))
            continue
        if depth < 0:
            result.append(text)
        else:
            result.append("  " * depth + text if text else "")
    flush()
    return result
