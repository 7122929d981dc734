"""Adapter over python-hcl2's lark parse tree: parse files and expressions, report syntax errors.

python-hcl2 keeps block order and the expression structure in its lark tree, with
positions; we evaluate that tree ourselves (see :mod:`.evaluator`). Heredoc bodies are a
single token in its grammar, so :mod:`.heredoc` scans them and parses their ``${...}``
parts through :func:`parse_expression`.
"""

from __future__ import annotations

from dataclasses import dataclass

from osc_build.errors import TemplateError

from .nodes import Token, Tree

_EXPECTED_NAMES = {
    "RBRACE": "}", "LBRACE": "{", "RSQB": "]", "LSQB": "[", "RPAR": ")", "LPAR": "(",
    "EQ": "=", "COLON": ":", "COMMA": "','", "DBLQUOTE": '"', "NAME": "a name",
    "NL_OR_COMMENT": "a newline",
}


def parse_hcl(text: str, filename: str) -> Tree:
    """Parse a whole HCL file; a syntax error becomes a located TemplateError."""
    from .parse_cache import cached_parse

    return cached_parse(text, lambda text: _parse_with_lark(text, filename))


def _parse_with_lark(text: str, filename: str) -> Tree:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput

    from .hcl_parser import hcl_parser
    from .nodes import from_lark

    try:
        # The newline is python-hcl2's own workaround: its grammar ends statements with one.
        return from_lark(hcl_parser().parse(text + "\n"))
    except UnexpectedEOF:
        lines = text.splitlines() or [""]
        raise TemplateError("Unexpected end of file: a block, string or bracket is not "
                            "closed", file=filename, line=len(lines),
                            column=len(lines[-1]) + 1) from None
    except UnexpectedCharacters as exc:
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "end of file"
        raise TemplateError(f"Invalid character {char!r}: this character is not used "
                            "within HCL syntax here", file=filename, line=exc.line,
                            column=exc.column) from None
    except UnexpectedInput as exc:
        token = getattr(exc, "token", None)
        got = repr(str(token).strip()) if token is not None and str(token).strip() else \
            "a newline"
        expected = sorted({_EXPECTED_NAMES.get(name, name.lower())
                           for name in getattr(exc, "expected", ()) or ()})
        hint = f"; expected one of: {', '.join(expected[:8])}" if expected else ""
        raise TemplateError(f"Invalid syntax: unexpected {got}{hint}", file=filename,
                            line=exc.line, column=exc.column) from None


def parse_expression(text: str, filename: str, line: int = 1, column: int = 1) -> Tree:
    """Parse one expression (a ``-var`` value, a type, a heredoc interpolation)."""
    tree = parse_hcl(f"__expr__ = {text}", filename)
    attribute = next(c for c in tree.children[0].children
                     if isinstance(c, Tree) and c.data == "attribute")
    return Located(attribute.children[-1], line - 1, column - 1)


@dataclass
class Located:
    """An expression tree parsed out of its file, with the offset of its first line."""

    tree: Tree
    line_offset: int
    column_offset: int


def position(node: object) -> tuple[int | None, int | None]:
    """(line, column) of a tree or token, when lark recorded one."""
    if isinstance(node, Token):
        return node.line, node.column
    if isinstance(node, Tree) and not node.meta.empty:
        return node.meta.line, node.meta.column
    if isinstance(node, Tree):
        for child in node.children:
            line, column = position(child)
            if line is not None:
                return line, column
    return None, None


def significant(children: list) -> list:
    """Children without newline/comment nodes (they carry no meaning for evaluation)."""
    return [c for c in children
            if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]


def label_text(node: object) -> str:
    """A block label or attribute name: identifier, keyword or quoted string."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return "".join(str(part.children[0]) for part in node.children
                       if isinstance(part, Tree) and part.data == "string_part")
    return str(node.children[0])
