"""``fmt``: Packer's canonical layout (``hclwrite.Format``), changing whitespace only.

``packer fmt -check`` runs in CI, so the output must be byte for byte what Packer
writes. Like hclwrite, this works on the token stream (:mod:`.hcl_lexer`), one line at a
time: each line is split into a *lead*, an *assign* cell (from ``=`` when the rest of the
line opens no bracket) and a trailing *comment* cell. Then

1. indentation: two spaces per bracket level, where a line that opens several
   brackets at once still counts as one level;
2. spacing: one space or none between the tokens of each cell, by the rules of
   :func:`_space_after` (``a = b.c``, ``f(x, y)``, ``[1, 2]``, ``{ a = 1 }``, ``-1``);
3. alignment: the ``=`` of consecutive single-line attributes line up, then the
   trailing comments of consecutive lines.

Text in strings, heredoc bodies and comments is kept; interpolations are formatted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from . import hcl_lexer as t
from .hcl_lexer import Token, scan
from .parser import parse_hcl

_OPENERS = {t.OBRACE, t.OBRACK, t.OPAREN, t.TEMPLATE_INTERP, t.TEMPLATE_CONTROL}
_CLOSERS = {t.CBRACE, t.CBRACK, t.CPAREN, t.TEMPLATE_SEQ_END}
_NIL = Token(t.NIL, "")
# After these, a minus is a negation (``-1``), not a subtraction (``a - 1``).
_BEFORE_NEGATION = {
    t.NIL, t.OPAREN, t.OBRACE, t.OBRACK, t.EQUAL, t.COLON, t.COMMA, t.QUESTION,
    t.PLUS, t.STAR, t.SLASH, t.PERCENT, t.MINUS,
    t.EQUAL_OP, t.NOT_EQUAL, t.GREATER, t.GREATER_EQ, t.LESS, t.LESS_EQ,
    t.AND, t.OR, t.BANG,
}
_IN_TEMPLATE = {t.QUOTED_LIT, t.STRING_LIT}


def format_hcl(text: str, filename: str = "<stdin>") -> str:
    """The canonical form of ``text`` (raises TemplateError on a syntax error)."""
    parse_hcl(text.removeprefix("\ufeff"), filename)  # Packer reads past a UTF-8 BOM
    return format_tokens(text)


def format_tokens(text: str) -> str:
    """``hclwrite.Format`` of ``text``, without checking its syntax first."""
    tokens = scan(text)
    lines = _lines(tokens)
    _indent(lines)
    _space(lines)
    _align(lines, lambda line: line.assign, lambda line: _columns(line.lead))
    _align(lines, lambda line: line.comment,
           lambda line: _columns(line.lead) + _columns(line.assign))
    return "".join(" " * token.spaces + token.text for token in tokens)


@dataclass(slots=True)
class _Line:
    lead: list[Token]
    assign: list[Token] = field(default_factory=list)
    comment: list[Token] = field(default_factory=list)


def _bracket_change(token: Token) -> int:
    return 1 if token.type in _OPENERS else -1 if token.type in _CLOSERS else 0


def _ends_line(token: Token) -> bool:
    # ``#`` and ``//`` comments take their newline with them.
    return token.type == t.NEWLINE or (token.type == t.COMMENT and token.text.endswith("\n"))


def _lines(tokens: list[Token]) -> list[_Line]:
    lines: list[_Line] = []
    current: list[Token] = []
    for token in tokens:
        if token.type == t.EOF:
            break
        current.append(token)
        if _ends_line(token):
            lines.append(_Line(current))
            current = []
    lines.append(_Line(current))
    for line in lines:
        lead = line.lead
        if len(lead) > 1 and lead[-1].type == t.COMMENT:
            line.comment, line.lead = lead[-1:], lead[:-1]
        for index, token in enumerate(line.lead):
            if index and token.type == t.EQUAL:
                if sum(_bracket_change(tok) for tok in line.lead[index:]) == 0:
                    line.assign, line.lead = line.lead[index:], line.lead[:index]
                break
    return lines


def _indent(lines: list[_Line]) -> None:
    """Two spaces per level; the brackets a line opens together make one level."""
    levels: list[int] = []  # brackets opened by each indenting line still open
    for line in lines:
        if not line.lead:
            continue
        if line.lead[0].type == t.NEWLINE:
            line.lead[0].spaces = 0
            continue
        net = 0
        for token in line.lead:
            net += _bracket_change(token)
            if token.type == t.OHEREDOC:
                break
        net += sum(_bracket_change(token) for token in line.assign)
        if net > 0:
            line.lead[0].spaces = 2 * len(levels)
            levels.append(net)
            continue
        closed = -net
        while closed > 0 and levels:
            if closed >= levels[-1]:
                closed -= levels.pop()
            else:
                levels[-1] -= closed
                closed = 0
        line.lead[0].spaces = 2 * len(levels)


def _space(lines: list[_Line]) -> None:
    for line in lines:
        for cell in (line.lead, line.assign):
            if cell is line.assign and cell:
                cell[0].spaces = 1  # separates the = from the name; aligned later
            for index in range(len(cell) - 1):
                before = cell[index - 1] if index else _NIL
                cell[index + 1].spaces = int(_space_after(cell[index], before, cell[index + 1]))


def _space_after(subject: Token, before: Token, after: Token) -> bool:
    """Whether ``subject`` takes a space before ``after`` (hclwrite's rules, in its order)."""
    kind, next_kind = subject.type, after.type
    if next_kind in (t.NEWLINE, t.NIL):
        return False
    if kind == t.IDENT and next_kind == t.OPAREN:
        return False  # f(x)
    if (kind, next_kind) in ((t.IDENT, t.DOUBLE_COLON), (t.DOUBLE_COLON, t.IDENT)):
        return False  # provider::name::function
    if t.DOT in (kind, next_kind):
        return False  # a.b
    if next_kind in (t.COMMA, t.ELLIPSIS):
        return False
    if kind == t.COMMA:
        return True
    if kind in _IN_TEMPLATE or kind in (t.OQUOTE, t.OHEREDOC) or \
            next_kind in _IN_TEMPLATE or next_kind in (t.CQUOTE, t.CHEREDOC):
        return False  # literal text is kept as written
    if kind == t.IDENT and subject.text == "in" and before.type == t.IDENT:
        return True  # [for x in [y] : x]
    if next_kind == t.OBRACK and (kind in (t.IDENT, t.NUMBER_LIT) or _bracket_change(subject) < 0):
        return False  # a[0], f()[0]
    if kind == t.BANG:
        return False
    if kind == t.MINUS:
        return before.type not in _BEFORE_NEGATION
    if kind == t.OBRACE or next_kind == t.CBRACE:
        return not (kind == t.OBRACE and next_kind == t.CBRACE)  # { a = 1 }, but {}
    if kind in (t.TEMPLATE_INTERP, t.TEMPLATE_CONTROL) and next_kind == t.OBRACE:
        return True  # ${ { a = 1 } }
    if kind == t.CBRACE and next_kind == t.TEMPLATE_SEQ_END:
        return True
    if kind == t.TEMPLATE_SEQ_END and next_kind in (t.TEMPLATE_INTERP, t.TEMPLATE_CONTROL):
        return False  # ${a}${b}
    return _bracket_change(subject) <= 0 and _bracket_change(after) >= 0  # (a), [1]


def _align(lines: list[_Line], cell, width) -> None:
    """Give the first token of ``cell`` on consecutive lines a common column."""
    chain: list[_Line] = []
    for line in [*lines, _Line([])]:
        if cell(line):
            chain.append(line)
            continue
        widest = max((width(member) for member in chain), default=0)
        for member in chain:
            cell(member)[0].spaces = widest - width(member) + 1
        chain = []


def _columns(tokens: list[Token]) -> int:
    return sum(token.spaces + _graphemes(token.text) for token in tokens)


def _graphemes(text: str) -> int:
    """User-perceived characters (hclwrite counts columns in grapheme clusters).

    The main rules of Unicode's extended grapheme clusters: marks and joiners extend the
    previous character, flags are pairs of regional indicators, Hangul jamo combine.
    """
    if text.isascii():
        return len(text) - text.count("\r\n")
    count, previous, kind_before = 0, "", ""
    regional = False
    for char in text:
        kind = _cluster_kind(char)
        if not previous:
            joins = False
        elif kind == "regional":
            joins = regional
        else:
            joins = (kind == "extend" or (previous == "\r" and char == "\n")
                     or (previous == "\u200d" and kind == "pictographic")
                     or _hangul_joins(kind_before, kind))
        regional = kind == "regional" and not joins
        count += not joins
        previous, kind_before = char, kind
    return count


def _cluster_kind(char: str) -> str:
    code = ord(char)
    if 0x1F1E6 <= code <= 0x1F1FF:
        return "regional"
    if (char == "\u200d" or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F or char in "\u0e33\u0eb3"
            or unicodedata.category(char) in ("Mn", "Me", "Mc")):
        return "extend"
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF:
        return "pictographic"
    return "other"


def _hangul_joins(before: str, kind: str) -> bool:
    return ((before == "L" and kind in ("L", "V", "LV", "LVT"))
            or (before in ("LV", "V") and kind in ("V", "T"))
            or (before in ("LVT", "T") and kind == "T"))
