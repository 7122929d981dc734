"""HCL native-syntax tokens, as hclsyntax's scanner cuts them, for ``fmt``.

``packer fmt`` formats the token stream, not a parse tree, so matching it byte for byte
needs the same token boundaries and types: comments keep their newline, heredoc bodies
are literal tokens, ``${`` / ``%{`` open a nesting level closed by the matching ``}``.
Every character belongs to a token except spaces and tabs between tokens in code, which
are counted in :attr:`Token.spaces` (like hclwrite's ``SpacesBefore``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Token types (the names of hclsyntax's TokenType constants, without "Token").
OBRACE, CBRACE, OBRACK, CBRACK, OPAREN, CPAREN = "{", "}", "[", "]", "(", ")"
OQUOTE, CQUOTE, OHEREDOC, CHEREDOC = "OQuote", "CQuote", "OHeredoc", "CHeredoc"
STAR, SLASH, PLUS, MINUS, PERCENT = "*", "/", "+", "-", "%"
EQUAL, EQUAL_OP, NOT_EQUAL = "=", "==", "!="
LESS, LESS_EQ, GREATER, GREATER_EQ = "<", "<=", ">", ">="
AND, OR, BANG, DOT, COMMA = "&&", "||", "!", ".", ","
DOUBLE_COLON, ELLIPSIS, FAT_ARROW, QUESTION, COLON = "::", "...", "=>", "?", ":"
TEMPLATE_INTERP, TEMPLATE_CONTROL, TEMPLATE_SEQ_END = "${", "%{", "SeqEnd"
QUOTED_LIT, STRING_LIT, NUMBER_LIT, IDENT = "QuotedLit", "StringLit", "NumberLit", "Ident"
COMMENT, NEWLINE, EOF, INVALID, QUOTED_NEWLINE = "Comment", "Newline", "EOF", "Invalid", "QNewline"
NIL = "Nil"

_OPERATORS = ("...", "==", "!=", ">=", "<=", "&&", "||", "::", "=>")
_SELF_TOKENS = set("[]().,*/%+-=<>!?:&|~^;`'")
_NUMBER = re.compile(r"[0-9](?:(?:[0-9.]|[eE][+-]?[0-9])*(?:[0-9]|[eE][+-]?[0-9]))?")
_HEREDOC_START = re.compile(r"<<-?([^\W\d]|_)[\w-]*\r?\n")
_SPACES = re.compile(r"[ \t]+")
_QUOTED_RUN = re.compile(r'(?:\\[^\r\n]|[^$%"\\\r\n])+')
_HEREDOC_RUN = re.compile(r"[^$%\r\n]*")


@dataclass(slots=True)
class Token:
    type: str
    text: str
    spaces: int = 0  # spaces before the token; fmt rewrites only this


@dataclass(slots=True)
class _Heredoc:
    marker: str
    start_of_line: bool = True


def _is_ident_start(char: str) -> bool:
    return char == "_" or char.isidentifier()


def _is_ident_continue(char: str) -> bool:
    return char == "-" or ("a" + char).isidentifier()


def _ident_end(text: str, pos: int) -> int:
    pos += 1
    while pos < len(text) and _is_ident_continue(text[pos]):
        pos += 1
    return pos


class _Scanner:
    """One pass over the text with hclsyntax's mode stack (code, quoted string, heredoc)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.last_end = 0
        self.tokens: list[Token] = []
        self.modes: list[object] = ["main"]  # "main", "string" or a _Heredoc
        self.braces = 0
        self.return_braces: list[int] = []
        self.heredocs: list[_Heredoc] = []

    def emit(self, type_: str, end: int) -> None:
        spaces = self.pos - self.last_end
        self.tokens.append(Token(type_, self.text[self.pos:end], spaces))
        self.pos = self.last_end = end

    def run(self) -> list[Token]:
        while self.pos < len(self.text):
            mode = self.modes[-1]
            if mode == "main":
                self.main()
            elif mode == "string":
                self.string()
            else:
                self.heredoc(mode)
        self.emit(EOF, len(self.text))
        return self.tokens

    def open_template(self, type_: str, pos: int) -> None:
        end = pos + 2 + (self.text.startswith("~", pos + 2))
        self.emit(type_, end)
        self.braces += 1
        self.return_braces.append(self.braces)
        if self.heredocs:
            self.heredocs[-1].start_of_line = False
        self.modes.append("main")

    def main(self) -> None:
        """One token in code: one branch per lexical rule, longest match first."""
        text, pos = self.text, self.pos
        char = text[pos]
        if char in " \t":
            self.pos = _SPACES.match(text, pos).end()
            return
        if char.isdigit() and char.isascii():
            self.emit(NUMBER_LIT, _NUMBER.match(text, pos).end())
            return
        if _is_ident_start(char):
            self.emit(IDENT, _ident_end(text, pos))
            return
        pair = text[pos:pos + 2]
        if char == "#" or pair == "//":
            newline = text.find("\n", pos)
            self.emit(COMMENT, len(text) if newline < 0 else newline + 1)
            return
        if pair == "/*":
            close = text.find("*/", pos + 2)
            if close >= 0:
                self.emit(COMMENT, close + 2)
                return
        if char == "\n" or pair == "\r\n":
            self.emit(NEWLINE, pos + len(pair if char == "\r" else char))
            return
        if pair == "~}":
            self.close_brace(pos + 2, always_template=True)
            return
        for operator in _OPERATORS:
            if text.startswith(operator, pos):
                self.emit(operator, pos + len(operator))
                return
        if char == "{":
            self.emit(OBRACE, pos + 1)
            self.braces += 1
        elif char == "}":
            self.close_brace(pos + 1, always_template=False)
        elif char == '"':
            self.emit(OQUOTE, pos + 1)
            self.modes.append("string")
        elif (heredoc := _HEREDOC_START.match(text, pos)) is not None:
            marker = heredoc.group(0)[2:].lstrip("-").rstrip("\r\n")
            self.emit(OHEREDOC, heredoc.end())
            self.heredocs.append(_Heredoc(marker))
            self.modes.append(self.heredocs[-1])
        elif char in _SELF_TOKENS:
            self.emit(char, pos + 1)
        else:
            self.emit(INVALID, pos + 1)

    def close_brace(self, end: int, always_template: bool) -> None:
        if self.return_braces and self.return_braces[-1] == self.braces:
            self.emit(TEMPLATE_SEQ_END, end)
            self.braces -= 1
            self.return_braces.pop()
            self.modes.pop()
        else:
            self.emit(TEMPLATE_SEQ_END if always_template else CBRACE, end)
            self.braces -= 1

    def string(self) -> None:
        text, pos = self.text, self.pos
        pair = text[pos:pos + 2]
        if pair in ("${", "%{"):
            self.open_template(TEMPLATE_INTERP if pair == "${" else TEMPLATE_CONTROL, pos)
        elif text[pos] == '"':
            self.emit(CQUOTE, pos + 1)
            self.modes.pop()
        elif text[pos] in "\r\n":
            end = pos
            while end < len(text) and text[end] in "\r\n":
                end += 1
            self.emit(QUOTED_NEWLINE, end)
        elif text[pos] in "$%":
            self.emit(QUOTED_LIT if pos + 1 < len(text) else INVALID,
                      self.escaped_template_end(pos))
        elif (run := _QUOTED_RUN.match(text, pos)) is not None:
            self.emit(QUOTED_LIT, run.end())
        else:
            self.emit(INVALID, pos + 1)

    def escaped_template_end(self, pos: int) -> int:
        """``$${`` and ``%%{`` are literal (with an optional ``~``); a lone ``$`` or ``%`` too."""
        char = self.text[pos]
        if self.text.startswith(char + "{", pos + 1):
            return pos + 3 + self.text.startswith("~", pos + 3)
        return pos + 1

    def heredoc(self, heredoc: _Heredoc) -> None:
        text, pos = self.text, self.pos
        pair = text[pos:pos + 2]
        if pair in ("${", "%{"):
            self.open_template(TEMPLATE_INTERP if pair == "${" else TEMPLATE_CONTROL, pos)
            return
        if text[pos] in "$%":
            heredoc.start_of_line = False
            self.emit(STRING_LIT if pos + 1 < len(text) else INVALID,
                      self.escaped_template_end(pos))
            return
        end = _HEREDOC_RUN.match(text, pos).end()
        newline = 2 if text.startswith("\r\n", end) else 1 if text.startswith("\n", end) else 0
        if end == pos and not newline:  # a lone carriage return stops hclsyntax's scanner:
            self.emit(INVALID, len(text))  # the rest is one invalid token, kept as is
            return
        if not newline:
            heredoc.start_of_line = False
            self.emit(STRING_LIT, end)
            return
        if heredoc.start_of_line and text[pos:end].strip() == heredoc.marker:
            self.emit(CHEREDOC, end)
            self.emit(NEWLINE, end + newline)
            self.heredocs.pop()
            self.modes.pop()
            return
        heredoc.start_of_line = True
        self.emit(STRING_LIT, end + newline)


def scan(text: str) -> list[Token]:
    """The tokens of a whole HCL file, ending with an EOF token."""
    bom = 0
    if text.startswith("\ufeff"):
        text, bom = text[1:], 3  # hclsyntax skips it; its 3 bytes count as spacing
    tokens = _Scanner(text).run()
    tokens[0].spaces += bom
    return tokens
