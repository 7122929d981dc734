"""String templates: quoted strings and heredocs turned into literal/interpolation/directive items.

The result of :func:`quoted_template` and :func:`heredoc_template` is a list of items:
``str`` literals, ``("interp", expr)``, ``("if", expr, then_items, else_items)`` and
``("for", key_name, value_name, expr, body_items)``; :mod:`.evaluator` renders it.
Strip markers (``~``) are applied here.
"""

from __future__ import annotations

import re

from osc_build.errors import TemplateError

from .nodes import Token, Tree
from .parser import parse_expression, significant

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)


def decode_escapes(text: str) -> str:
    def replace(match: re.Match) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, "\\" + code)
    return _ESCAPE_RE.sub(replace, text)


def quoted_template(node: Tree, filename: str) -> list:
    """Items of a ``"..."`` string node from python-hcl2's tree."""
    parts: list = []
    for part in node.children:
        if not (isinstance(part, Tree) and part.data == "string_part"):
            continue
        child = part.children[0]
        if isinstance(child, Token):
            text = str(child)
            if child.type == "ESCAPED_INTERPOLATION" or child.type == "ESCAPED_DIRECTIVE":
                parts.append(text[1:])
            else:
                parts.append(decode_escapes(text))
            continue
        tokens = child.children
        strip_left = len(tokens) > 1 and isinstance(tokens[1], Token) and tokens[1] == "~"
        strip_right = (isinstance(tokens[-2], Token) and tokens[-2] == "~")
        exprs = [t for t in significant(tokens) if isinstance(t, Tree)
                 and t.data != "identifier"]
        names = [str(t.children[0]) for t in tokens
                 if isinstance(t, Tree) and t.data == "identifier"]
        kind = child.data
        if kind == "interpolation":
            parts.append(("interp", exprs[0], False, False))
        elif kind == "template_if_start":
            parts.append(("if", exprs[0], strip_left, strip_right))
        elif kind == "template_else":
            parts.append(("else", strip_left, strip_right))
        elif kind == "template_endif":
            parts.append(("endif", strip_left, strip_right))
        elif kind == "template_for_start":
            parts.append(("for", names, exprs[-1], strip_left, strip_right))
        elif kind == "template_endfor":
            parts.append(("endfor", strip_left, strip_right))
    line = node.meta.line if not node.meta.empty else None
    return structure(parts, filename, line)


def heredoc_body(token: str) -> tuple[str, bool]:
    """The body of a ``<<EOT``/``<<-EOT`` token, dedented for the ``-`` form."""
    first_newline = token.index("\n")
    trim = token.startswith("<<-")
    lines = token[first_newline + 1:].split("\n")
    while lines and lines[-1].strip() == "":
        lines.pop()
    body_lines = lines[:-1]  # the last line is the closing marker
    if trim:
        indents = [len(line) - len(line.lstrip(" ")) for line in body_lines if line.strip()]
        cut = min(indents, default=0)
        body_lines = [line[cut:] for line in body_lines]
    return "".join(line + "\n" for line in body_lines), trim


def heredoc_template(token: Token, filename: str) -> list:
    """Items of a heredoc token: python-hcl2 leaves its ``${...}`` unparsed, we scan them."""
    body, _ = heredoc_body(str(token))
    return text_template(body, filename, (token.line or 1) + 1)


def text_template(body: str, filename: str, base_line: int = 1) -> list:
    """Items of raw template text (a heredoc body or a ``templatefile`` file)."""
    parts: list = []
    pos = 0
    literal = []
    while pos < len(body):
        if body.startswith(("$${", "%%{"), pos):
            literal.append(body[pos + 1:pos + 3])
            pos += 3
            continue
        if body.startswith(("${", "%{"), pos):
            end = matching_brace(body, pos + 2)
            line = base_line + body.count("\n", 0, pos)
            if end < 0:
                raise TemplateError("Unterminated template string: a ${ or %{ has no "
                                    "closing }", file=filename, line=line, column=1)
            parts.append("".join(literal))
            literal = []
            parts.append(_heredoc_part(body[pos], body[pos + 2:end], filename, line))
            pos = end + 1
            continue
        literal.append(body[pos])
        pos += 1
    parts.append("".join(literal))
    return structure([p for p in parts if p != ""], filename, base_line - 1)


def matching_brace(text: str, pos: int) -> int:
    depth = 0
    in_string = False
    while pos < len(text):
        char = text[pos]
        if in_string:
            if char == "\\":
                pos += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return pos
            depth -= 1
        pos += 1
    return -1


def _heredoc_part(kind: str, content: str, filename: str, line: int) -> tuple:
    strip_left = content.startswith("~")
    strip_right = content.endswith("~")
    content = content[1 if strip_left else 0:len(content) - (1 if strip_right else 0)].strip()
    if kind == "$":
        return ("interp", parse_expression(content, filename, line), strip_left, strip_right)
    word, _, rest = content.partition(" ")
    if word == "if":
        return ("if", parse_expression(rest, filename, line), strip_left, strip_right)
    if word in ("else", "endif", "endfor") and not rest.strip():
        return (word, strip_left, strip_right)
    match = re.fullmatch(r"for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\s+(.+)", content, re.DOTALL)
    if match:
        names = [n for n in match.group(1, 2) if n]
        return ("for", names, parse_expression(match.group(3), filename, line),
                strip_left, strip_right)
    raise TemplateError(f"Invalid template directive %{{{content}}}: expected if, else, "
                        "endif, for or endfor", file=filename, line=line, column=1)


def structure(parts: list, filename: str, line: int | None) -> list:
    """Apply strip markers, then nest if/else/endif and for/endfor into items."""
    parts = list(parts)
    for i, part in enumerate(parts):
        if isinstance(part, str):
            continue
        strip_left, strip_right = part[-2], part[-1]
        if strip_left and i > 0 and isinstance(parts[i - 1], str):
            parts[i - 1] = parts[i - 1].rstrip()
        if strip_right and i + 1 < len(parts) and isinstance(parts[i + 1], str):
            parts[i + 1] = parts[i + 1].lstrip()
    items, _rest = _nest(parts, 0, filename, line, closing=None)
    return items


def _nest(parts: list, pos: int, filename: str, line: int | None,
          closing: tuple | None) -> tuple[list, int]:
    items: list = []
    while pos < len(parts):
        part = parts[pos]
        if isinstance(part, str):
            if part:
                items.append(part)
            pos += 1
            continue
        kind = part[0]
        if closing and kind in closing:
            return items, pos
        if kind == "interp":
            items.append(("interp", part[1]))
            pos += 1
        elif kind == "if":
            then_items, pos = _nest(parts, pos + 1, filename, line, ("else", "endif"))
            else_items: list = []
            if pos < len(parts) and parts[pos][0] == "else":
                else_items, pos = _nest(parts, pos + 1, filename, line, ("endif",))
            if pos >= len(parts) or parts[pos][0] != "endif":
                raise TemplateError("Unterminated template directive: %{if} has no "
                                    "%{endif}", file=filename, line=line)
            items.append(("if", part[1], then_items, else_items))
            pos += 1
        elif kind == "for":
            body, pos = _nest(parts, pos + 1, filename, line, ("endfor",))
            if pos >= len(parts):
                raise TemplateError("Unterminated template directive: %{for} has no "
                                    "%{endfor}", file=filename, line=line)
            names = part[1]
            key, value = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            items.append(("for", key, value, part[2], body))
            pos += 1
        else:
            raise TemplateError(f"Unexpected %{{{kind}}} directive with no matching "
                                "opening directive", file=filename, line=line)
    if closing:
        raise TemplateError(f"Unterminated template directive: expected %{{{closing[-1]}}}",
                            file=filename, line=line)
    return items, pos
