"""The parse tree we evaluate: python-hcl2's lark tree, copied into plain small classes.

Our own classes can be pickled compactly and loaded without importing lark or
python-hcl2, so a template parsed once loads in a millisecond next time (see
:mod:`.parse_cache`). They keep what the evaluator reads: rule names, children,
token types and positions.
"""

from __future__ import annotations

from typing import Any


class Token(str):
    """A terminal: its text, with its type and where it starts."""

    __slots__ = ("column", "line", "type")

    def __new__(cls, type: str, value: str, line: int | None = None,
                column: int | None = None) -> Token:
        token = super().__new__(cls, value)
        token.type, token.line, token.column = type, line, column
        return token

    @property
    def value(self) -> str:
        return str(self)

    def __reduce__(self):
        return Token, (self.type, str(self), self.line, self.column)

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {str(self)!r})"


class Meta:
    """Where a rule starts, when the parser recorded it."""

    __slots__ = ("column", "line")

    def __init__(self, line: int | None = None, column: int | None = None) -> None:
        self.line, self.column = line, column

    @property
    def empty(self) -> bool:
        return self.line is None

    def __reduce__(self):
        return Meta, (self.line, self.column)


class Tree:
    """A rule: its name and its children (trees and tokens)."""

    __slots__ = ("children", "data", "meta")

    def __init__(self, data: str, children: list, meta: Meta | None = None) -> None:
        self.data, self.children, self.meta = data, children, meta or Meta()

    def __reduce__(self):
        return Tree, (self.data, self.children, self.meta)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Tree) and self.data == other.data
                and self.children == other.children)

    __hash__ = None  # mutable, like lark's

    def __repr__(self) -> str:
        return f"Tree({self.data!r}, {self.children!r})"


def from_lark(node: Any) -> Tree | Token | None:
    """Copy a lark tree or token (recursively) into our classes."""
    from lark import Token as LarkToken

    if node is None:  # an optional part left out
        return None
    if isinstance(node, LarkToken):
        return Token(node.type, str(node), node.line, node.column)
    meta = Meta() if node.meta.empty else Meta(node.meta.line, node.meta.column)
    return Tree(str(node.data), [from_lark(child) for child in node.children], meta)
