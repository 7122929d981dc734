"""PowerShell, the subset the simulator's Windows guest interprets.

A recursive-descent parser turns a script into closures; cmdlets, static .NET members and
value methods are tables. Errors follow PowerShell's two kinds: a non-terminating error
(a missing file for Get-Content, Write-Error) is printed on stderr and the script goes on,
a terminating one (``throw``, ``-ErrorAction Stop``, a parse error) stops it unless a
``try`` catches it. The process exit code is PowerShell's: ``exit N``; 1 after an
uncaught terminating error or when the last statement failed; else 0.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import fnmatch
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import programs
from .runtime import Guest, GuestError

Value = Any
Expr = Callable[["Ps"], Value]


class PsError(Exception):
    """A terminating error."""

    def __init__(self, message: str, command: str = ""):
        super().__init__(message)
        self.message = message
        self.command = command


class StatementError(PsError):
    """A statement-terminating error (an unknown command, a .NET exception): the script
    goes on with the next statement unless a ``try`` or ErrorActionPreference Stop says
    otherwise."""


class NonTerminating(Exception):
    """A non-terminating error raised by a cmdlet (printed, $? false, script goes on)."""


class PsExit(Exception):
    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class _Return(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class StreamReader:
    """What [System.IO.File]::OpenText returns: lines of a text file, one ReadLine at a time."""

    def __init__(self, data: bytes):
        text, _ = _decode(data)
        self.lines = re.split(r"\r\n|\n|\r", text)
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.position = 0

    def ps_readline(self) -> str | None:
        if self.position >= len(self.lines):
            return None
        self.position += 1
        return self.lines[self.position - 1]

    def ps_readtoend(self) -> str:
        rest = self.lines[self.position:]
        self.position = len(self.lines)
        return "".join(line + "\r\n" for line in rest)

    def ps_close(self) -> None:
        pass

    ps_dispose = ps_close


class FileStream:
    """What [System.IO.File]::OpenWrite returns: bytes written where the last write ended."""

    def __init__(self, path: str):
        self.handle = open(path, "r+b" if os.path.exists(path) else "wb")  # noqa: SIM115

    def ps_write(self, data: Value, offset: Value = 0, count: Value = None) -> None:
        chunk = bytes(as_list(data))
        start = int(offset)
        self.handle.write(chunk[start:start + int(count)] if count is not None else chunk[start:])

    def ps_flush(self) -> None:
        self.handle.flush()

    def ps_close(self) -> None:
        self.handle.close()

    ps_dispose = ps_close


@dataclass
class FileItem:
    name: str
    full_name: str
    is_dir: bool
    length: int

    def __str__(self) -> str:
        return self.name


@dataclass
class ScriptBlock:
    body: list
    text: str
    params: list | None = None  # function Name($a, $b = 1): [(name, default expr or None)]

    def __str__(self) -> str:
        return self.text


class Encoding:
    def __init__(self, name: str, codec: str, bom: bytes = b""):
        self.name, self.codec, self.bom = name, codec, bom

    def __str__(self) -> str:
        return f"System.Text.{self.name}Encoding"


ENCODINGS = {
    "utf8": Encoding("UTF8", "utf-8", b"\xef\xbb\xbf"), "utf8nobom": Encoding("UTF8", "utf-8"),
    "utf8bom": Encoding("UTF8", "utf-8", b"\xef\xbb\xbf"),
    "unicode": Encoding("Unicode", "utf-16-le", b"\xff\xfe"),
    "bigendianunicode": Encoding("BigEndianUnicode", "utf-16-be", b"\xfe\xff"),
    "utf32": Encoding("UTF32", "utf-32-le", b"\xff\xfe\x00\x00"),
    "ascii": Encoding("ASCII", "ascii"), "default": Encoding("Default", "cp1252"),
    "oem": Encoding("OEM", "cp437"), "string": Encoding("Unicode", "utf-16-le", b"\xff\xfe"),
}


# -- values -----------------------------------------------------------------------------

def as_list(value: Value) -> list:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    return [value]


def collapse(values: list) -> Value:
    """A pipeline's output as a value: nothing, one object, or an array."""
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def to_str(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return " ".join(to_str(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return " ".join(str(b) for b in value)
    return str(value)


def truthy(value: Value) -> bool:
    if isinstance(value, list):
        return len(value) > 1 or (len(value) == 1 and truthy(value[0]))
    if isinstance(value, str):
        return value != ""
    return bool(value)


def format_lines(value: Value) -> list[str]:
    """How the console shows an object (one line per item; dictionaries as Name Value)."""
    if value is None:
        return []
    if isinstance(value, (list, bytes, bytearray)):
        return [line for item in as_list(value) for line in format_lines(item)]
    if isinstance(value, dict):
        return [f"{k:<30} {to_str(v)}" for k, v in value.items()]
    return [to_str(value)]


def compare(op: str, left: Value, right: Value) -> bool:
    if isinstance(left, (int, float)) and not isinstance(left, bool) and isinstance(right, str):
        with contextlib.suppress(ValueError):
            right = type(left)(right)
    case = op.startswith("c")
    op = op.lstrip("ic")
    if isinstance(left, str) and not case:
        left_cmp, right_cmp = left.casefold(), to_str(right).casefold()
    elif isinstance(left, str):
        left_cmp, right_cmp = left, to_str(right)
    else:
        left_cmp, right_cmp = left, right
    if op == "eq":
        return left_cmp == right_cmp
    if op == "ne":
        return left_cmp != right_cmp
    if op in ("like", "notlike"):
        found = fnmatch.fnmatchcase(left_cmp, right_cmp)
        return found if op == "like" else not found
    if op in ("match", "notmatch"):
        found = re.search(to_str(right), to_str(left), 0 if case else re.I) is not None
        return found if op == "match" else not found
    try:
        return {"gt": left_cmp > right_cmp, "ge": left_cmp >= right_cmp,
                "lt": left_cmp < right_cmp, "le": left_cmp <= right_cmp}[op]
    except TypeError:
        raise PsError(f"Cannot compare \"{to_str(left)}\" to \"{to_str(right)}\".") from None


# -- the interpreter state ---------------------------------------------------------------

class Ps:
    def __init__(self, guest: Guest):
        self.guest = guest
        self.scopes: list[dict[str, Value]] = [{
            "true": True, "false": False, "null": None, "progresspreference": "Continue",
            "erroractionpreference": "Continue", "lastexitcode": None,
            "pwd": guest.cwd, "home": "C:\\Users\\Administrator", "pshome":
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
            "psversiontable": {"PSVersion": "5.1.20348.2340", "PSEdition": "Desktop"}}]
        self.functions: dict[str, ScriptBlock] = {}
        self.sinks: list[list] = []  # capturing outputs (innermost last); none: the console
        self.ok = True  # $?
        self.trying = 0  # inside how many try blocks

    # variables
    def get(self, scope: str, name: str) -> Value:
        key = name.lower()
        if scope == "env":
            return self.guest.env.get(name)
        if key == "?":
            return self.ok
        if key == "pwd":
            return self.guest.cwd
        for frame in reversed(self.scopes):
            if key in frame:
                return frame[key]
        return None

    def exists(self, scope: str, name: str) -> bool:
        if scope == "env":
            return name in self.guest.env
        return any(name.lower() in frame for frame in self.scopes) or name == "?"

    def set(self, scope: str, name: str, value: Value) -> None:
        if scope == "env":
            if value is None or value == "":
                self.guest.env.pop(name)
            else:
                self.guest.env[name] = to_str(value)
            return
        frame = self.scopes[0] if scope == "global" else self.scopes[-1]
        frame[name.lower()] = value

    # output
    def emit(self, values: list) -> None:
        if self.sinks:
            self.sinks[-1].extend(values)
            return
        for value in values:
            for line in format_lines(value):
                self.guest.write(line + "\r\n")

    def capture(self, run: Callable[[], None]) -> list:
        self.sinks.append([])
        try:
            run()
        except BaseException:
            # What was written before an exit or error has already gone down the pipeline.
            self.emit(self.sinks.pop())
            raise
        return self.sinks.pop()

    def error(self, message: str, command: str = "", action: str | None = None) -> None:
        """A non-terminating error, as the error action says."""
        action = (action or to_str(self.get("", "ErrorActionPreference"))).lower()
        self.ok = False
        if action == "stop":
            raise PsError(message, command)
        if action in ("silentlycontinue", "ignore"):
            return
        prefix = f"{command} : " if command else ""
        self.guest.write_err(f"{prefix}{message}\r\n")

    def run_statements(self, statements: list) -> None:
        for statement in statements:
            try:
                statement(self)
            except StatementError as error:
                preference = to_str(self.get("", "ErrorActionPreference")).lower()
                if self.trying or preference == "stop":
                    raise
                self.ok = False
                prefix = f"{error.command} : " if error.command else ""
                self.guest.write_err(f"{prefix}{error.message}\r\n")


# -- parsing -------------------------------------------------------------------------------

_OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch",
              "ieq", "ine", "ceq", "cne", "ilike", "clike", "imatch", "cmatch")
_END_ARG = set(" \t\r\n;|)}")
_KEYWORDS = {"if", "foreach", "exit", "throw", "return", "try", "function", "while", "for",
             "break", "continue", "param"}


class ParseError(PsError):
    pass


class Parser:
    def __init__(self, text: str):
        self.t = text.replace("\r\n", "\n")
        self.i = 0
        self.n = len(self.t)
        self.no_comma = 0

    def ch(self, k: int = 0) -> str:
        j = self.i + k
        return self.t[j] if j < self.n else ""

    def fail(self, what: str) -> ParseError:
        line = self.t.count("\n", 0, self.i) + 1
        near = self.t[self.i:self.i + 30].split("\n")[0]
        return ParseError(f"At line:{line} char:{self.i - self.t.rfind(chr(10), 0, self.i)}: "
                          f"{what} (near '{near}'). The simulator's PowerShell supports a "
                          "subset (see docs/simulator-fidelity.md).")

    def ws(self, newlines: bool = False) -> None:
        while self.i < self.n:
            c = self.t[self.i]
            if c in " \t\f\ufeff" or (newlines and c == "\n"):
                self.i += 1
            elif c == "`" and self.ch(1) == "\n":
                self.i += 2
            elif c == "<" and self.ch(1) == "#":
                end = self.t.find("#>", self.i + 2)
                self.i = self.n if end < 0 else end + 2
            elif c == "#":
                end = self.t.find("\n", self.i)
                self.i = self.n if end < 0 else end
            else:
                break

    def expect(self, char: str) -> None:
        self.ws(newlines=True)
        if self.ch() != char:
            raise self.fail(f"Missing '{char}'")
        self.i += 1

    def word(self) -> str:
        match = re.compile(r"[A-Za-z_][\w-]*").match(self.t, self.i)
        return match.group(0) if match else ""

    def keyword(self) -> str:
        word = self.word().lower()
        end = self.i + len(word)
        if word in _KEYWORDS and (end >= self.n or not (self.t[end].isalnum() or
                                                         self.t[end] in "-_.\\:")):
            return word
        return ""

    # statements
    def script(self) -> list:
        statements = self.statements(None)
        if self.i < self.n:
            raise self.fail("Unexpected token")
        return statements

    def statements(self, end: str | None) -> list:
        result = []
        while True:
            self.ws(newlines=True)
            while self.ch() == ";":
                self.i += 1
                self.ws(newlines=True)
            if self.i >= self.n:
                if end:
                    raise self.fail(f"Missing closing '{end}'")
                return result
            if end and self.ch() == end:
                return result
            if not end and self.ch() in ")}":
                raise self.fail(f"Unexpected token '{self.ch()}'")
            result.append(self.statement())
            self.ws()
            if self.ch() not in ("\n", ";", "", end or "\n"):
                raise self.fail("Unexpected token in expression or statement")

    def block(self) -> list:
        self.expect("{")
        body = self.statements("}")
        self.i += 1
        return body

    def statement(self) -> Callable[[Ps], None]:
        keyword = self.keyword()
        if keyword:
            self.i += len(keyword)
            self.ws()
            return getattr(self, f"_{keyword}")()
        return self.pipeline_statement()

    def _rest_value(self) -> Expr | None:
        self.ws()
        if self.ch() in ("", "\n", ";", "}"):
            return None
        return self.pipeline_value()

    def _exit(self):
        value = self._rest_value()

        def run(ps: Ps) -> None:
            result = value(ps) if value else None
            try:
                code = int(to_str(result) or 0)
            except ValueError:
                code = 1
            raise PsExit(code)
        return run

    def _return(self):
        value = self._rest_value()

        def run(ps: Ps) -> None:
            if value:
                result = value(ps)
                ps.emit(result if isinstance(result, list) else [result])
            raise _Return()
        return run

    def _throw(self):
        value = self._rest_value()

        def run(ps: Ps) -> None:
            raise PsError(to_str(value(ps)) if value else "ScriptHalted")
        return run

    def _if(self):
        branches = []
        self.expect("(")
        condition = self.pipeline_value()
        self.expect(")")
        branches.append((condition, self.block()))
        otherwise: list = []
        while True:
            save = self.i
            self.ws(newlines=True)
            word = self.word().lower()
            if word == "elseif":
                self.i += len(word)
                self.expect("(")
                condition = self.pipeline_value()
                self.expect(")")
                branches.append((condition, self.block()))
            elif word == "else":
                self.i += len(word)
                otherwise = self.block()
                break
            else:
                self.i = save
                break

        def run(ps: Ps) -> None:
            for test, body in branches:
                if truthy(test(ps)):
                    ps.run_statements(body)
                    return
            ps.run_statements(otherwise)
        return run

    def _foreach(self):
        self.expect("(")
        self.ws()
        scope, name = self.variable_name()
        self.ws()
        if self.word().lower() != "in":
            raise self.fail("Missing 'in' in foreach")
        self.i += 2
        items = self.pipeline_value()
        self.expect(")")
        body = self.block()

        def run(ps: Ps) -> None:
            for item in as_list(items(ps)):
                ps.set(scope, name, item)
                if _loop_body(ps, body):
                    return
        return run

    def _break(self):
        def run(ps: Ps) -> None:
            raise _Break()
        return run

    def _continue(self):
        def run(ps: Ps) -> None:
            raise _Continue()
        return run

    def _for(self):
        self.expect("(")
        parts: list = []
        for end in (";", ";", ")"):
            self.ws(newlines=True)
            parts.append(None if self.ch() == end else self.statement())
            self.expect(end)
        body = self.block()
        init, condition, step = parts

        def run(ps: Ps) -> None:
            if init:
                ps.capture(lambda: init(ps))
            while True:
                if condition is not None:
                    values = ps.capture(lambda: condition(ps))
                    if not truthy(collapse(values)):
                        return
                if _loop_body(ps, body):
                    return
                if step:
                    ps.capture(lambda: step(ps))
        return run

    def _while(self):
        self.expect("(")
        condition = self.pipeline_value()
        self.expect(")")
        body = self.block()

        def run(ps: Ps) -> None:
            while truthy(condition(ps)):
                if _loop_body(ps, body):
                    return
        return run

    def _try(self):
        body = self.block()
        catch: list | None = None
        final: list | None = None
        while True:
            save = self.i
            self.ws(newlines=True)
            word = self.word().lower()
            if word == "catch":
                self.i += len(word)
                self.ws()
                if self.ch() == "[":
                    self.i = self.t.index("]", self.i) + 1
                catch = self.block()
            elif word == "finally":
                self.i += len(word)
                final = self.block()
            else:
                self.i = save
                break

        def run(ps: Ps) -> None:
            try:
                ps.trying += 1
                try:
                    ps.run_statements(body)
                finally:
                    ps.trying -= 1
            except PsError as error:
                if catch is None:
                    raise
                ps.set("", "_", error.message)
                ps.run_statements(catch)
            finally:
                if final is not None:
                    ps.run_statements(final)
        return run

    def param_list(self) -> list:
        """``($a, [string]$b = 'x', [Parameter(Mandatory)][int]$c)``: names and defaults."""
        self.expect("(")
        params = []
        while True:
            self.ws(newlines=True)
            if self.ch() == ")":
                self.i += 1
                return params
            while self.ch() == "[":  # attributes and types
                depth = 0
                while self.i < self.n:
                    depth += {"[": 1, "]": -1}.get(self.ch(), 0)
                    self.i += 1
                    if depth == 0:
                        break
                self.ws(newlines=True)
            _, name = self.variable_name()
            self.ws(newlines=True)
            default = None
            if self.ch() == "=":
                self.i += 1
                self.ws()
                self.no_comma += 1
                default = self.expression()
                self.no_comma -= 1
                self.ws(newlines=True)
            params.append((name, default))
            if self.ch() == ",":
                self.i += 1

    def _param(self):
        params = self.param_list()
        return lambda ps: _bind_params(ps, params)

    def _function(self):
        name = self.word()
        self.i += len(name)
        self.ws()
        params = self.param_list() if self.ch() == "(" else None
        start = self.i
        body = self.block()
        block = ScriptBlock(body, self.t[start:self.i], params)

        def run(ps: Ps) -> None:
            ps.functions[name.lower()] = block
        return run

    def pipeline_statement(self) -> Callable[[Ps], None]:
        save = self.i
        if self.ch() == "$":
            scope, name = self.variable_name()
            if self.ch() and self.ch() in "+-" and self.ch(1) == self.ch():  # $i++ / $i--
                step = 1 if self.ch() == "+" else -1
                self.i += 2

                def bump(ps: Ps) -> None:
                    ps.set(scope, name, (ps.get(scope, name) or 0) + step)
                    ps.ok = True
                return bump
            self.ws()
            op = self.ch() if self.ch() in "+-" and self.ch(1) == "=" else ""
            if self.ch(len(op)) == "=" and self.ch(len(op) + 1) != "=":
                self.i += len(op) + 1
                self.ws()
                value = self.pipeline_value()

                def assign(ps: Ps) -> None:
                    result = value(ps)
                    if op == "+":
                        result = add(ps.get(scope, name), result)
                    elif op == "-":
                        result = ps.get(scope, name) - result
                    ps.set(scope, name, result)
                    ps.ok = True
                return assign
            self.i = save
        pipeline = self.pipeline()

        def run(ps: Ps) -> None:
            ps.ok = True
            ps.emit(pipeline(ps))
        return run

    def pipeline_value(self) -> Expr:
        pipeline = self.pipeline()
        return lambda ps: collapse(pipeline(ps))

    def pipeline(self) -> Callable[[Ps], list]:
        elements = [self.element()]
        self.ws()
        while self.ch() == "|" and self.ch(1) != "|":
            self.i += 1
            self.ws(newlines=True)
            elements.append(self.element())
            self.ws()

        def run(ps: Ps) -> list:
            values: list | None = None
            for element in elements:
                values = element(ps, values)
            return values or []
        return run

    def element(self) -> Callable[[Ps, list | None], list]:
        self.ws()
        c = self.ch()
        if c == "&" or (c == "." and self.ch(1) and self.ch(1) in " \t'\"$"):
            self.i += 1
            self.ws()
            target = self.arg_atom()
            args = self.command_args()
            return _invocation(target, args, dot=(c == "."))
        if (c.isalpha() or c == "_") and not self._looks_like_expression():
            start = self.i
            while self.i < self.n and self.t[self.i] not in _END_ARG and self.t[self.i] != ">":
                self.i += 1
            name = self.t[start:self.i]
            args = self.command_args()
            return _command(name, args)
        expression = self.expression()
        redirections = self.command_args(only_redirections=True)

        def run(ps: Ps, values: list | None) -> list:
            value = expression(ps)
            result = as_list(value) if isinstance(value, list) else (
                [] if value is None else [value])
            return _redirect(ps, result, redirections)
        return run

    def _looks_like_expression(self) -> bool:
        return False

    # command arguments
    def command_args(self, only_redirections: bool = False) -> list:
        args: list = []
        while True:
            self.ws()
            c = self.ch()
            if c in ("", "\n", ";", ")", "}") or (c == "|" and self.ch(1) != "|"):
                return args
            if c == "&" and self.ch(1) == "&":
                return args
            if c == ">" or (c in "12*" and self.ch(1) == ">"):
                stream = "1" if c == ">" else c
                self.i += 0 if c == ">" else 1
                append = self.ch(1) == ">"
                self.i += 2 if append else 1
                if self.ch() == "&" and self.ch(1) and self.ch(1) in "12":
                    args.append(("dup", stream, self.ch(1)))
                    self.i += 2
                    continue
                self.ws()
                args.append(("redirect", stream, append, self.arg_atom()))
                continue
            if only_redirections:
                return args
            if c == "-" and (self.ch(1).isalpha() or self.ch(1) == "_"):
                match = re.compile(r"-([A-Za-z_][\w]*)(:?)").match(self.t, self.i)
                self.i = match.end()
                value = self.arg_value() if match.group(2) else None
                args.append(("param", match.group(1), value))
                continue
            if c == "-" and self.ch(1) == "-" and self.ch(2) in (" ", "\t", "\n", ""):
                self.i += 2
                continue
            args.append(("arg", self.arg_value()))

    def arg_value(self) -> Expr:
        items = [self.arg_atom()]
        while self.ch() == ",":
            self.i += 1
            self.ws()
            items.append(self.arg_atom())
        if len(items) == 1:
            return items[0]
        return lambda ps: [item(ps) for item in items]

    def arg_atom(self) -> Expr:
        c = self.ch()
        if not c:
            raise self.fail("Missing an argument")
        if c in "'\"$(@{" or (c == "-" and self.ch(1).isdigit()) or c.isdigit():
            start = self.i
            if c.isdigit() or c == "-":
                match = re.compile(r"-?\d+(\.\d+)?(?=[\s;|)}]|$)").match(self.t, self.i)
                if not match:
                    return self.bareword()
                self.i = match.end()
                text = match.group(0)
                return lambda ps: float(text) if "." in text else int(text)
            if c == "@" and self.ch(1) not in "({\"'":
                return self.bareword()
            self.i = start
            return self.postfix(self.primary())
        return self.bareword()

    def bareword(self) -> Expr:
        start = self.i
        while self.i < self.n and self.t[self.i] not in _END_ARG and self.t[self.i] not in ",>":
            self.i += 1
        text = self.t[start:self.i]
        if not text:
            raise self.fail("Missing an argument")
        return self.expandable(text)

    # expressions
    def expression(self) -> Expr:
        return self.binary(0)

    _LEVELS = (("or", "xor"), ("and",), ("cmp",), ("+", "-"), ("*", "/", "%"))

    def _operator(self, level: int) -> str:
        self.ws()
        names = self._LEVELS[level]
        c = self.ch()
        if c == "-" and self.ch(1).isalpha():
            word = re.compile(r"-([A-Za-z]+)").match(self.t, self.i).group(1).lower()
            if names == ("cmp",) and (word in _OPERATORS or word in ("join", "split",
                                                                        "contains", "in",
                                                                        "replace", "f")):
                return word
            if word in names:
                return word
            return ""
        if c in names and c and not (c == "-" and self.ch(1) == "="):
            if c in "+-" and self.ch(1) == "=":
                return ""
            return c
        return ""

    def binary(self, level: int) -> Expr:
        if level >= len(self._LEVELS):
            return self.comma()
        left = self.binary(level + 1)
        while True:
            op = self._operator(level)
            if not op:
                return left
            self.i += len(op) + (1 if op.isalpha() else 0)
            self.ws(newlines=True)
            right = self.binary(level + 1)
            left = _binary(op, left, right)

    def comma(self) -> Expr:
        first = self.unary()
        if self.ch() == "." and self.ch(1) == ".":
            self.i += 2
            last = self.unary()
            low = first

            def span(ps: Ps) -> list:
                a, b = int(to_str(low(ps))), int(to_str(last(ps)))
                return list(range(a, b + 1) if a <= b else range(a, b - 1, -1))
            first = span
        if self.no_comma:
            return first
        self.ws()
        if self.ch() != ",":
            return first
        items = [first]
        while self.ch() == ",":
            self.i += 1
            self.ws(newlines=True)
            items.append(self.unary())
            self.ws()
        return lambda ps: [item(ps) for item in items]

    def unary(self) -> Expr:
        self.ws()
        if self.t.startswith("-not", self.i) and not self.ch(4).isalnum():
            self.i += 4
            operand = self.unary()
            return lambda ps: not truthy(operand(ps))
        if self.ch() == "!":
            self.i += 1
            operand = self.unary()
            return lambda ps: not truthy(operand(ps))
        if self.t.startswith("-join", self.i):
            self.i += 5
            operand = self.unary()
            return lambda ps: "".join(to_str(v) for v in as_list(operand(ps)))
        if self.ch() == "-" and not self.ch(1).isalpha():
            self.i += 1
            operand = self.unary()
            return lambda ps: -operand(ps)
        if self.ch() == "[":
            match = re.compile(r"\[([A-Za-z][\w.]*(?:\[\])?)\]").match(self.t, self.i)
            if match and self.t[match.end():match.end() + 2] != "::":
                self.i = match.end()
                self.ws()
                if self.ch() in ("", "\n", ";", ")", "}", "|", ","):
                    name = match.group(1)
                    return lambda ps: name
                operand = self.unary()
                return _cast(match.group(1), operand)
        return self.postfix(self.primary())

    def primary(self) -> Expr:
        self.ws()
        c = self.ch()
        if c == "'" or (c == "@" and self.ch(1) == "'"):
            return self.single_quoted()
        if c == '"' or (c == "@" and self.ch(1) == '"'):
            return self.double_quoted()
        if c == "$" and self.ch(1) == "(":
            self.i += 2
            body = self.statements(")")
            self.i += 1
            return lambda ps: collapse(ps.capture(lambda: ps.run_statements(body)))
        if c == "@" and self.ch(1) == "(":
            self.i += 2
            body = self.statements(")")
            self.i += 1
            return lambda ps: ps.capture(lambda: ps.run_statements(body))
        if c == "@" and self.ch(1) == "{":
            return self.hashtable()
        if c == "$":
            scope, name = self.variable_name()
            return lambda ps: ps.get(scope, name)
        if c == "(":
            self.i += 1
            self.ws(newlines=True)
            saved, self.no_comma = self.no_comma, 0
            inner = self.pipeline()
            self.no_comma = saved
            self.expect(")")
            return lambda ps: collapse(inner(ps))
        if c == "{":
            start = self.i
            body = self.block()
            block = ScriptBlock(body, self.t[start + 1:self.i - 1])
            return lambda ps: block
        if c == "[":
            match = re.compile(r"\[([A-Za-z][\w.]*)\]").match(self.t, self.i)
            if match:
                self.i = match.end()
                type_name = match.group(1)
                return lambda ps: _TypeRef(type_name)
        match = re.compile(r"(0x[0-9a-fA-F]+|\d+(\.\d+)?)([kmg]b)?").match(self.t, self.i)
        if match:
            self.i = match.end()
            text = match.group(1)
            number = int(text, 16) if text.startswith("0x") else (
                float(text) if "." in text else int(text))
            number *= {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}.get(
                (match.group(3) or "").lower(), 1)
            return lambda ps: number
        raise self.fail("Unexpected token (an expression was expected)")

    def hashtable(self) -> Expr:
        self.i += 2
        entries = []
        while True:
            self.ws(newlines=True)
            while self.ch() == ";":
                self.i += 1
                self.ws(newlines=True)
            if self.ch() == "}":
                self.i += 1
                break
            key = self.word() or self.single_quoted_text()
            self.i += len(key) if self.word() == key else 0
            self.ws()
            if self.ch() != "=":
                raise self.fail("Missing '=' in hash literal")
            self.i += 1
            self.ws()
            self.no_comma += 1
            entries.append((key, self.expression()))
            self.no_comma -= 1
        return lambda ps: {key: value(ps) for key, value in entries}

    def single_quoted_text(self) -> str:
        if self.ch() != "'":
            raise self.fail("Missing key in hash literal")
        return to_str(self.single_quoted()(None))

    def postfix(self, value: Expr) -> Expr:
        while True:
            c = self.ch()
            if c == "." and (self.ch(1).isalpha() or self.ch(1) == "_"):
                self.i += 1
                member = self.word()
                self.i += len(member)
                if self.ch() == "(":
                    args = self.call_args()
                    value = _method(value, member, args)
                else:
                    value = _member(value, member)
            elif c == ":" and self.ch(1) == ":":
                self.i += 2
                member = self.word()
                self.i += len(member)
                args = self.call_args() if self.ch() == "(" else None
                value = _static(value, member, args)
            elif c == "[":
                self.i += 1
                self.no_comma += 1
                index = self.expression()
                self.no_comma -= 1
                self.expect("]")
                value = _index(value, index)
            else:
                return value

    def call_args(self) -> list[Expr]:
        self.i += 1
        args = []
        self.ws(newlines=True)
        if self.ch() == ")":
            self.i += 1
            return args
        while True:
            self.no_comma += 1
            args.append(self.expression())
            self.no_comma -= 1
            self.ws(newlines=True)
            if self.ch() == ",":
                self.i += 1
                self.ws(newlines=True)
                continue
            self.expect(")")
            return args

    def variable_name(self) -> tuple[str, str]:
        if self.ch() != "$":
            raise self.fail("Missing variable")
        self.i += 1
        if self.ch() == "{":
            end = self.t.index("}", self.i)
            name = self.t[self.i + 1:end]
            self.i = end + 1
        else:
            match = re.compile(r"\?|\$|\^|[\w]+(?::[\w()]+)?").match(self.t, self.i)
            if not match:
                raise self.fail("Missing variable name after '$'")
            name = match.group(0)
            self.i = match.end()
        scope = ""
        if ":" in name:
            scope, _, name = name.partition(":")
            scope = scope.lower()
            if scope == "variable":
                scope = ""
            if scope in ("script", "local", "private", "using"):
                scope = ""
        return scope, name

    def single_quoted(self) -> Expr:
        if self.ch() == "@":
            end = self.t.find("\n'@", self.i)
            if end < 0:
                raise self.fail("Missing the end of a here-string ('@)")
            start = self.t.index("\n", self.i) + 1
            text = self.t[start:end]
            self.i = end + 3
            return lambda ps: text
        self.i += 1
        parts = []
        while True:
            end = self.t.find("'", self.i)
            if end < 0:
                raise self.fail("The string is missing the terminator: '")
            parts.append(self.t[self.i:end])
            self.i = end + 1
            if self.ch() == "'":
                parts.append("'")
                self.i += 1
                continue
            break
        text = "".join(parts)
        return lambda ps: text

    def double_quoted(self) -> Expr:
        if self.ch() == "@":
            end = self.t.find('\n"@', self.i)
            if end < 0:
                raise self.fail('Missing the end of a here-string ("@)')
            start = self.t.index("\n", self.i) + 1
            raw = self.t[start:end]
            self.i = end + 3
            return self.expandable(raw, quoted=False)
        self.i += 1
        start = self.i
        while True:
            if self.i >= self.n:
                raise self.fail('The string is missing the terminator: "')
            c = self.t[self.i]
            if c == "`":
                self.i += 2
                continue
            if c == "$" and self.ch(1) == "(":
                depth = 0
                while self.i < self.n:
                    if self.t[self.i] == "(":
                        depth += 1
                    elif self.t[self.i] == ")":
                        depth -= 1
                        if depth == 0:
                            break
                    self.i += 1
            if c == '"':
                if self.ch(1) == '"':
                    self.i += 2
                    continue
                break
            self.i += 1
        raw = self.t[start:self.i]
        self.i += 1
        return self.expandable(raw.replace('""', '"'), quoted=True)

    def expandable(self, raw: str, quoted: bool = False) -> Expr:
        """A string with ``$var``, ``$env:X``, ``${x}``, ``$(...)`` and backtick escapes."""
        parts: list = []
        i = 0
        text: list[str] = []
        while i < len(raw):
            c = raw[i]
            if c == "`" and i + 1 < len(raw):
                text.append({"n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a",
                             "e": "\x1b"}.get(raw[i + 1], raw[i + 1]))
                i += 2
                continue
            if c == "$" and i + 1 < len(raw) and (raw[i + 1].isalnum() or raw[i + 1] in "_{(?"):
                sub = Parser(raw[i:])
                if raw[i + 1] == "(":
                    value = sub.primary()
                else:
                    scope, name = sub.variable_name()
                    value = (lambda s, n: lambda ps: ps.get(s, n))(scope, name)
                parts.append("".join(text))
                text = []
                parts.append(value)
                i += sub.i
                continue
            text.append(c)
            i += 1
        parts.append("".join(text))
        if len(parts) == 1:
            constant = parts[0]
            return lambda ps: constant
        return lambda ps: "".join(p if isinstance(p, str) else to_str(p(ps)) for p in parts)


# -- evaluation helpers ------------------------------------------------------------------------

def _loop_body(ps: Ps, body: list) -> bool:
    """Run a loop body once; True when it said ``break``."""
    try:
        ps.run_statements(body)
    except _Break:
        return True
    except _Continue:
        pass
    return False


def add(left: Value, right: Value) -> Value:
    if isinstance(left, list):
        return left + as_list(right)
    if isinstance(left, str):
        return left + to_str(right)
    if left is None:
        return right
    if isinstance(right, str):
        try:
            right = type(left)(right)
        except ValueError:
            raise PsError(f"Cannot convert value \"{right}\" to a number.") from None
    return left + right


def _binary(op: str, left: Expr, right: Expr) -> Expr:
    def run(ps: Ps) -> Value:
        a, b = left(ps), right(ps)
        if op == "and":
            return truthy(a) and truthy(b)
        if op == "or":
            return truthy(a) or truthy(b)
        if op == "xor":
            return truthy(a) != truthy(b)
        if op == "+":
            return add(a, b)
        if op == "join":
            return to_str(b).join(to_str(v) for v in as_list(a))
        if op == "f":  # .NET composite format: {0}, {1,-10}, {0:N2} (alignment/format ignored)
            values = as_list(b) if isinstance(b, list) else [b]
            return re.sub(r"\{(\d+)(?:[,:][^}]*)?\}",
                          lambda m: to_str(values[int(m.group(1))])
                          if int(m.group(1)) < len(values) else m.group(0), to_str(a))
        if op == "split":
            return re.split(to_str(b), to_str(a), flags=re.I)
        if op == "replace":
            pattern, replacement = [*as_list(b), ""][:2]
            return re.sub(to_str(pattern), to_str(replacement).replace("$", "\\"), to_str(a),
                          flags=re.I)
        if op == "contains":
            return any(compare("eq", item, b) for item in as_list(a))
        if op == "in":
            return any(compare("eq", item, a) for item in as_list(b))
        if op in ("-", "*", "/", "%"):
            try:
                x = a if isinstance(a, (int, float)) else float(to_str(a))
                y = b if isinstance(b, (int, float)) else float(to_str(b))
            except ValueError:
                raise PsError(f"Cannot convert \"{to_str(a)}\" or \"{to_str(b)}\" to a "
                              "number.") from None
            if op == "-":
                return x - y
            if op == "*":
                if isinstance(a, str):
                    return a * int(y)
                return x * y
            if op == "%":
                return x % y
            result = x / y
            return int(result) if result == int(result) else result
        if isinstance(a, list):
            return [item for item in a if compare(op, item, b)]
        return compare(op, a, b)
    return run


def _cast(type_name: str, operand: Expr) -> Expr:
    name = type_name.lower().removeprefix("system.")

    def run(ps: Ps) -> Value:
        value = operand(ps)
        if name in ("int", "int32", "int64", "long"):
            try:
                return int(float(to_str(value)))
            except ValueError:
                raise PsError(f"Cannot convert value \"{to_str(value)}\" to type "
                              "\"System.Int32\".") from None
        if name == "string":
            return to_str(value)
        if name == "bool":
            return truthy(value)
        if name == "void":
            return None
        if name in ("byte[]",):
            return bytes(as_list(value))
        if name in ("array", "object[]"):
            return as_list(value)
        return value
    return run


def _member(target: Expr, name: str) -> Expr:
    key = name.lower()

    def run(ps: Ps) -> Value:
        value = target(ps)
        if isinstance(value, _TypeRef):
            raise PsError(f"Use [{value.name}]::{name} for a static member.")
        if key in ("length", "count"):
            if value is None:
                return 0
            if isinstance(value, (str, list, bytes, bytearray, dict)):
                return len(value)
            if isinstance(value, FileItem):
                return value.length
            return 1
        if isinstance(value, FileItem):
            return {"name": value.name, "fullname": value.full_name,
                    "psiscontainer": value.is_dir}.get(key)
        if isinstance(value, dict):
            if key in ("keys", "values"):
                return list(value.keys() if key == "keys" else value.values())
            for k, v in value.items():
                if k.lower() == key:
                    return v
        if isinstance(value, Encoding) and key == "webname":
            return value.codec
        return None
    return run


_STRING_METHODS: dict[str, Callable[..., Value]] = {
    "trim": lambda s, chars=None: s.strip(chars) if chars else s.strip(),
    "trimend": lambda s, chars=None: s.rstrip(chars) if chars else s.rstrip(),
    "trimstart": lambda s, chars=None: s.lstrip(chars) if chars else s.lstrip(),
    "tolower": lambda s: s.lower(), "toupper": lambda s: s.upper(),
    "replace": lambda s, a, b: s.replace(to_str(a), to_str(b)),
    "contains": lambda s, a: to_str(a) in s, "startswith": lambda s, a: s.startswith(to_str(a)),
    "endswith": lambda s, a: s.endswith(to_str(a)), "split": lambda s, a: s.split(to_str(a)),
    "substring": lambda s, a, b=None: s[int(a):] if b is None else s[int(a):int(a) + int(b)],
    "tostring": lambda s: s, "indexof": lambda s, a: s.find(to_str(a)),
}


def _method(target: Expr, name: str, args: list[Expr]) -> Expr:
    key = name.lower()

    def run(ps: Ps) -> Value:
        value = target(ps)
        values = [arg(ps) for arg in args]
        if isinstance(value, _TypeRef):
            raise PsError(f"Use [{value.name}]::{name}() for a static method.")
        if isinstance(value, Encoding):
            return _encoding_method(value, key, values)
        method = getattr(value, f"ps_{key}", None)
        if method is not None:
            try:
                return method(*values)
            except (OSError, TypeError, ValueError) as error:
                raise StatementError(f'Exception calling "{name}": "{error}"') from None
        if key == "tostring":
            return to_str(value)
        if isinstance(value, dict) and key in ("add", "containskey", "remove"):
            if key == "add":
                value[to_str(values[0])] = values[1]
                return None
            if key == "remove":
                value.pop(to_str(values[0]), None)
                return None
            return any(k.lower() == to_str(values[0]).lower() for k in value)
        if isinstance(value, str) and key in _STRING_METHODS:
            return _STRING_METHODS[key](value, *values)
        raise StatementError(f"Method invocation failed because [{type(value).__name__}] does not "
                      f"contain a method named '{name}' (in the simulator's PowerShell).")
    return run


def _index(target: Expr, index: Expr) -> Expr:
    def run(ps: Ps) -> Value:
        value, position = target(ps), index(ps)
        if isinstance(value, dict):
            return value.get(position)
        try:
            return as_list(value)[int(position)] if not isinstance(value, str) else value[
                int(position)]
        except (IndexError, ValueError, TypeError):
            return None
    return run


@dataclass
class _TypeRef:
    name: str

    @property
    def key(self) -> str:
        key = self.name.lower()
        for prefix in ("system.", "io.", "text."):
            key = key.removeprefix(prefix)
        return key

    def __str__(self) -> str:
        return self.name


def _encoding_method(encoding: Encoding, key: str, values: list) -> Value:
    if key == "getstring":
        data = values[0]
        return bytes(as_list(data)).decode(encoding.codec, errors="replace")
    if key == "getbytes":
        return to_str(values[0]).encode(encoding.codec, errors="replace")
    if key == "getpreamble":
        return encoding.bom
    raise PsError(f"Encoding has no method {key} in the simulator's PowerShell.")


def from_base64(text: Value) -> bytes:
    compact = re.sub(r"[\s]", "", to_str(text))
    try:
        if len(compact) % 4 or "=" in compact.rstrip("="):
            raise binascii.Error("padding")
        return base64.b64decode(compact, validate=True)
    except binascii.Error:
        raise StatementError('Exception calling "FromBase64String" with "1" argument(s): '
                             '"The input '
                      "is not a valid Base-64 string as it contains a non-base 64 character, "
                      "more than two padding characters, or an illegal character among the "
                      'padding characters."') from None


def _file_api(ps: Ps, member: str, values: list) -> Value:
    guest = ps.guest

    def path(index: int = 0) -> str:
        return guest.host(to_str(values[index]))
    try:
        if member == "writeallbytes":
            with open(path(), "wb") as handle:
                handle.write(bytes(as_list(values[1])))
            return None
        if member == "readallbytes":
            with open(path(), "rb") as handle:
                return handle.read()
        if member in ("appendalltext", "writealltext"):
            encoding = values[2] if len(values) > 2 and isinstance(values[2], Encoding) else (
                ENCODINGS["utf8nobom"])
            mode = "ab" if member == "appendalltext" else "wb"
            with open(path(), mode) as handle:
                handle.write(to_str(values[1]).encode(encoding.codec))
            return None
        if member == "readalltext":
            return _decode(_read(path()))[0]
        if member == "opentext":
            return StreamReader(_read(path()))
        if member == "openwrite":
            return FileStream(path())
        if member == "exists":
            return os.path.isfile(path())
        if member == "delete":
            if os.path.isfile(path()):
                os.unlink(path())
            return None
    except FileNotFoundError:
        raise StatementError(f'Exception calling "{member}": "Could not find file '
                      f"'{guest.full(to_str(values[0]))}'.\"") from None
    except IsADirectoryError:
        raise StatementError(f'Exception calling "{member}": "Access to the path '
                      f"'{guest.full(to_str(values[0]))}' is denied.\"") from None
    except GuestError as error:
        raise StatementError(f'Exception calling "{member}": "{error}"') from None
    raise PsError(f"[System.IO.File]::{member} is not in the simulator's PowerShell.")


def _static(target: Expr, member: str, args: list[Expr] | None) -> Expr:
    key = member.lower()

    def run(ps: Ps) -> Value:
        ref = target(ps)
        values = [arg(ps) for arg in args or []]
        type_key = ref.key if isinstance(ref, _TypeRef) else ""
        if type_key == "convert":
            if key == "frombase64string":
                return from_base64(values[0])
            if key == "tobase64string":
                return base64.b64encode(bytes(as_list(values[0]))).decode()
        if type_key == "string" and key == "join":
            return to_str(values[0]).join(to_str(v) for v in as_list(values[1]))
        if type_key == "string" and key == "isnullorempty":
            return not to_str(values[0])
        if type_key == "file":
            return _file_api(ps, key, values)
        if type_key == "encoding" and args is None:
            name = {"utf8": "utf8nobom", "unicode": "unicode", "ascii": "ascii",
                    "default": "default", "bigendianunicode": "bigendianunicode",
                    "utf32": "utf32"}.get(key)
            if name:
                return ENCODINGS[name]
        if type_key == "path":
            text = to_str(values[0]) if values else ""
            if key == "getfullpath":
                return ps.guest.full(text)
            if key == "getdirectoryname":
                full = ps.guest.full(text)
                return full.rsplit("\\", 1)[0] if full.count("\\") > 1 else "C:\\"
            if key == "getfilename":
                return re.split(r"[\\/]", text)[-1]
            if key == "combine":
                return "\\".join(to_str(v).rstrip("\\/") for v in values)
            if key == "gettemppath":
                return (ps.guest.env.get("TEMP") or "C:\\Windows\\Temp") + "\\"
        if type_key == "environment" and key == "getenvironmentvariable":
            return ps.guest.env.get(to_str(values[0]))
        if type_key == "environment" and key == "setenvironmentvariable":
            ps.set("env", to_str(values[0]), values[1] if len(values) > 1 else None)
            return None
        if type_key in ("net.servicepointmanager", "servicepointmanager"):
            return None
        raise StatementError(f"[{ref}]::{member} is not in the simulator's PowerShell "
                      "(see docs/simulator-fidelity.md).")
    return run


# -- files -----------------------------------------------------------------------------------

def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    if encoding:
        chosen = ENCODINGS.get(encoding.lower().replace("-", ""))
        if chosen is None:
            raise NonTerminating(f"Cannot bind parameter 'Encoding': '{encoding}' is not an "
                                 "encoding the simulator knows")
        return data.removeprefix(chosen.bom).decode(chosen.codec, errors="replace"), chosen.codec
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace"), codec
    return data.decode("cp1252", errors="replace"), "cp1252"


def _encoding(name: Value, default: str) -> Encoding:
    key = to_str(name).lower().replace("-", "") if name else default
    if key == "byte":
        return Encoding("Byte", "")
    if key not in ENCODINGS:
        raise NonTerminating(f"Cannot bind parameter 'Encoding'. '{name}' is not one of "
                             f"{', '.join(ENCODINGS)}, Byte.")
    return ENCODINGS[key]


def _write_values(path: str, values: list, encoding: Encoding, append: bool,
                  newline: bool = True) -> None:
    exists = os.path.exists(path) and os.path.getsize(path) > 0
    with open(path, "ab" if append else "wb") as handle:
        if encoding.codec == "":
            for value in values:
                handle.write(bytes(as_list(value)))
            return
        lines = [line for value in values for line in format_lines(value)]
        if lines and not (append and exists):
            handle.write(encoding.bom)
        text = ("\r\n".join(lines) + "\r\n") if newline else "".join(lines)
        if lines or newline:
            handle.write(text.encode(encoding.codec, errors="replace") if lines else b"")


def _redirect(ps: Ps, values: list, redirections: list) -> list:
    for redirection in redirections:
        if redirection[0] == "dup":
            continue
        _, stream, append, target = redirection
        where = to_str(target(ps))
        if stream == "2" or where.lower() in ("$null", "nul"):
            continue
        try:
            _write_values(ps.guest.host(where), values, ENCODINGS["unicode"], append)
        except (OSError, GuestError) as error:
            ps.error(f"Could not write {where}: {error}", "out-file")
        values = []
    return values


# -- commands ---------------------------------------------------------------------------------

@dataclass
class Bound:
    positional: list
    named: dict[str, Value]
    input: list | None

    def get(self, name: str, default: Value = None) -> Value:
        return self.named.get(name.lower(), default)

    def has(self, name: str) -> bool:
        return name.lower() in self.named and self.named[name.lower()] is not False


@dataclass
class Cmdlet:
    name: str
    run: Callable[[Ps, Bound], list | None]
    params: tuple[str, ...] = ()  # positional order first, then named ones
    positional: int = 0  # how many of params bind by position
    switches: tuple[str, ...] = ()
    rest: str = ""  # a parameter that takes every remaining positional value


_COMMON = ("erroraction", "errorvariable", "warningaction", "informationaction", "verbose",
           "debug", "outvariable", "outbuffer", "pipelinevariable", "whatif", "confirm")
_COMMON_ALIASES = {"ea": "erroraction", "ev": "errorvariable", "wa": "warningaction",
                   "ia": "informationaction", "vb": "verbose", "db": "debug"}


def _bind(cmdlet: Cmdlet, args: list[tuple[str, Value]], values: list | None) -> Bound:
    known = tuple(p.lower() for p in cmdlet.params + cmdlet.switches) + _COMMON
    named: dict[str, Value] = {}
    positional: list = []
    for kind, name, value in args:
        if kind == "arg":
            positional.append(value)
            continue
        key = _COMMON_ALIASES.get(name.lower(), name.lower())
        matches = [k for k in known if k == key] or [k for k in known if k.startswith(key)]
        if len(matches) != 1:
            raise StatementError(
                f"A parameter cannot be found that matches parameter name '{name}'."
                          if not matches else f"Parameter cannot be processed because the "
                          f"parameter name '{name}' is ambiguous.", cmdlet.name)
        key = matches[0]
        if value is _SWITCH:
            value = True if key in [s.lower() for s in cmdlet.switches] or key in _COMMON[4:6] \
                else _NEEDS_VALUE
        named[key] = value
    order = [p.lower() for p in cmdlet.params[:cmdlet.positional]]
    free = [p for p in order if p not in named]
    for value in list(positional):
        if not free:
            break
        named[free.pop(0)] = value
        positional.pop(0)
    if cmdlet.rest and positional:
            existing = as_list(named.get(cmdlet.rest.lower()))
            named[cmdlet.rest.lower()] = existing + positional
            positional = []
    if positional:
        raise StatementError("A positional parameter cannot be found that accepts argument "
                      f"'{to_str(positional[0])}'.", cmdlet.name)
    for key, value in named.items():
        if value is _NEEDS_VALUE:
            raise StatementError(f"Missing an argument for parameter '{key}'. Specify a parameter "
                          "of the required type and try again.", cmdlet.name)
    return Bound(positional, named, values)


_SWITCH = object()
_NEEDS_VALUE = object()


def _args_of(ps: Ps, args: list) -> tuple[list, list]:
    """(bound args, redirections) for a command; a -Name followed by a value binds it."""
    evaluated: list = []
    redirections = []
    pending: str | None = None
    for arg in args:
        kind = arg[0]
        if kind in ("redirect", "dup"):
            redirections.append(arg)
            continue
        if kind == "param":
            if pending is not None:
                evaluated.append(("param", pending, _SWITCH))
            if arg[2] is not None:
                evaluated.append(("param", arg[1], arg[2](ps)))
                pending = None
            else:
                pending = arg[1]
            continue
        value = arg[1](ps)
        if pending is not None:
            evaluated.append(("param", pending, value))
            pending = None
        else:
            evaluated.append(("arg", "", value))
    if pending is not None:
        evaluated.append(("param", pending, _SWITCH))
    return evaluated, redirections


def _fix_switches(cmdlet: Cmdlet, evaluated: list) -> list:
    """-Force 'x': a switch does not take the next value (it is positional)."""
    fixed = []
    switches = {s.lower() for s in cmdlet.switches} | {"verbose", "debug", "whatif", "confirm"}
    for kind, name, value in evaluated:
        if kind == "param" and value is not _SWITCH and any(
                s.startswith(name.lower()) for s in switches) and not any(
                p.lower().startswith(name.lower()) for p in cmdlet.params):
            fixed.append(("param", name, True))
            fixed.append(("arg", "", value))
        else:
            fixed.append((kind, name, value))
    return fixed


def _command(name: str, args: list) -> Callable[[Ps, list | None], list]:
    def run(ps: Ps, values: list | None) -> list:
        evaluated, redirections = _args_of(ps, args)
        return _redirect(ps, invoke(ps, name, evaluated, values, redirections), redirections)
    return run


def _invocation(target: Expr, args: list, dot: bool) -> Callable[[Ps, list | None], list]:
    def run(ps: Ps, values: list | None) -> list:
        what = target(ps)
        evaluated, redirections = _args_of(ps, args)
        if isinstance(what, ScriptBlock):
            result = run_block(ps, what, [v for k, _, v in evaluated if k == "arg"], dot=dot)
        elif dot:
            result = ps.capture(lambda: _run_script_file(ps, to_str(what), evaluated, dot=True))
        else:
            result = invoke(ps, to_str(what), evaluated, values, redirections)
        return _redirect(ps, result, redirections)
    return run


def _frame(evaluated: list) -> dict:
    """A new scope's $args and named arguments (for param blocks) from a call's arguments."""
    named = {name.lower(): (True if value is _SWITCH else value)
             for kind, name, value in evaluated if kind == "param"}
    return {"args": [v for k, _, v in evaluated if k == "arg"], "__named": named}


def _frame_of_strings(args: list[str]) -> dict:
    """The same for ``powershell -File x.ps1 -Name value positional``."""
    evaluated: list = []
    i = 0
    while i < len(args):
        if args[i].startswith("-") and len(args[i]) > 1 and not args[i][1].isdigit():
            if i + 1 < len(args) and not args[i + 1].startswith("-"):
                evaluated.append(("param", args[i][1:], args[i + 1]))
                i += 2
                continue
            evaluated.append(("param", args[i][1:], _SWITCH))
        else:
            evaluated.append(("arg", "", args[i]))
        i += 1
    return _frame(evaluated)


def _bind_params(ps: Ps, params: list) -> None:
    frame = ps.scopes[-1]
    named = frame.get("__named", {})
    positional = list(frame.get("args") or [])
    for name, default in params:
        if name.lower() in named:
            value = named[name.lower()]
        elif positional:
            value = positional.pop(0)
        else:
            value = default(ps) if default is not None else None
        ps.set("", name, value)
    frame["args"] = positional


def run_block(ps: Ps, block: ScriptBlock, args: list, dot: bool = False,
              underscore: Value = None, frame: dict | None = None) -> list:
    if not dot:
        ps.scopes.append({**(frame or {"args": args}), "_": underscore})

    def body() -> None:
        with contextlib.suppress(_Return):
            if block.params is not None and not dot:
                _bind_params(ps, block.params)
            ps.run_statements(block.body)
    try:
        return ps.capture(body)
    finally:
        if not dot:
            ps.scopes.pop()


def invoke(ps: Ps, name: str, evaluated: list, values: list | None,
           redirections: list | None = None) -> list:
    key = name.lower()
    function = ps.functions.get(key)
    if function is not None:
        return run_block(ps, function, [], frame=_frame(evaluated))
    cmdlet = CMDLETS.get(ALIASES.get(key, key))
    if cmdlet is not None:
        bound = _bind(cmdlet, _fix_switches(cmdlet, evaluated), values)
        action = bound.get("erroraction")
        try:
            return cmdlet.run(ps, bound) or []
        except NonTerminating as error:
            ps.error(str(error), cmdlet.name, to_str(action) if action else None)
            return []
        except GuestError as error:
            ps.error(str(error), cmdlet.name, to_str(action) if action else None)
            return []
    if key.endswith(".ps1"):
        return ps.capture(lambda: _run_script_file(ps, name, evaluated))
    return _external(ps, name, evaluated, redirections or [])


def _external(ps: Ps, name: str, evaluated: list, redirections: list) -> list:
    argv: list[str] = []
    for kind, param, value in evaluated:
        if kind == "param":
            argv.append(f"-{param}")
            if value is not _SWITCH:
                argv.extend(to_str(v) for v in (value if isinstance(value, list) else [value]))
        else:
            argv.extend(to_str(v) for v in (value if isinstance(value, list) else [value]))
    child = ps.guest.child()
    out = bytearray()
    capture = bool(ps.sinks)
    if capture:
        child.out = out.extend
    if any(r[0] == "redirect" and r[1] == "2" for r in redirections):
        child.err = lambda data: None
    try:
        code = programs.run(child, name, argv)
    except GuestError as error:
        message = str(error)
        if "is not recognized" in message:
            message = (f"The term '{name}' is not recognized as the name of a cmdlet, function, "
                       "script file, or operable program. Check the spelling of the name, or "
                       "if a path was included, verify that the path is correct and try again.")
        raise StatementError(message, name) from None
    ps.set("global", "LASTEXITCODE", code)
    ps.ok = code == 0
    if capture:
        text = bytes(out).decode(child.encoding, errors="replace")
        return [line for line in text.replace("\r\n", "\n").split("\n")][:-1] if text else []
    return []


def _run_script_file(ps: Ps, path: str, evaluated: list, dot: bool = False) -> None:
    try:
        data = _read(ps.guest.host(path))
    except (OSError, GuestError):
        raise PsError(f"The term '{path}' is not recognized as the name of a cmdlet, function, "
                      "script file, or operable program.", path) from None
    text, _ = _decode(data)
    body = Parser(text).script()
    if not dot:
        ps.scopes.append(_frame(evaluated))
    try:
        ps.run_statements(body)
    except PsExit as done:
        ps.set("global", "LASTEXITCODE", done.code)
        ps.ok = done.code == 0
    except _Return:
        pass
    finally:
        if not dot:
            ps.scopes.pop()


# -- the cmdlets ------------------------------------------------------------------------------

def _paths(ps: Ps, bound: Bound, name: str = "path") -> list[str]:
    value = bound.get(name)
    if value is None and name == "path":
        value = bound.get("literalpath")
    if value is None:
        raise PsError("Cannot bind argument to parameter 'Path' because it is null.")
    return [to_str(v) for v in as_list(value)]


def _missing(ps: Ps, path: str) -> NonTerminating:
    return NonTerminating(f"Cannot find path '{ps.guest.full(path)}' because it does not exist.")


def _expand_wildcards(ps: Ps, path: str) -> list[str]:
    """Host paths matching ``path`` (wildcards in its last component only)."""
    head, _, last = path.replace("/", "\\").rpartition("\\")
    if not any(c in last for c in "*?"):
        return [ps.guest.host(path)]
    directory = ps.guest.host(head + "\\" if head.endswith(":") else head or ".")
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if fnmatch.fnmatch(n.lower(),
                                                                        last.lower())]


def _item(ps: Ps, host_path: str) -> FileItem:
    root = ps.guest.drive.root.rstrip("/")
    relative = host_path[len(root):].lstrip("/")
    is_dir = os.path.isdir(host_path)
    return FileItem(os.path.basename(host_path) or "C:\\",
                    "C:\\" + relative.replace("/", "\\"), is_dir,
                    0 if is_dir else os.path.getsize(host_path))


def _write_output(ps: Ps, b: Bound) -> list:
    return [v for item in as_list(b.get("inputobject")) for v in (
        as_list(item) if isinstance(item, list) else [item])] + (b.input or [])


def _write_host(ps: Ps, b: Bound) -> list:
    text = " ".join(to_str(v) for v in as_list(b.get("object")) + (b.input or []))
    ps.guest.write(text + ("" if b.has("nonewline") else "\r\n"))
    return []


def _write_error(ps: Ps, b: Bound) -> list:
    message = to_str(b.get("message") or b.get("exception") or collapse(b.input or []))
    raise NonTerminating(message)


def _write_warning(ps: Ps, b: Bound) -> list:
    ps.guest.write(f"WARNING: {to_str(b.get('message'))}\r\n")
    return []


def _content_values(b: Bound) -> list:
    if b.get("value") is not None:
        value = b.get("value")
        return as_list(value) if isinstance(value, list) else [value]
    return b.input or []


def _set_content(ps: Ps, b: Bound, append: bool = False) -> list:
    encoding = _encoding(b.get("encoding"), "default")
    for path in _paths(ps, b):
        host = ps.guest.host(path)
        if not os.path.isdir(os.path.dirname(host)):
            raise NonTerminating(f"Could not find a part of the path '{ps.guest.full(path)}'.")
        _write_values(host, _content_values(b), encoding, append, not b.has("nonewline"))
    return []


def _get_content(ps: Ps, b: Bound) -> list:
    result: list = []
    for path in _paths(ps, b):
        host = ps.guest.host(path)
        if not os.path.isfile(host):
            raise _missing(ps, path)
        data = _read(host)
        encoding = b.get("encoding")
        if encoding and to_str(encoding).lower() == "byte":
            result.extend(data)
            continue
        text, _ = _decode(data, to_str(encoding) if encoding else None)
        if b.has("raw"):
            result.append(text)
            continue
        lines = re.split(r"\r\n|\n|\r", text)
        if lines and lines[-1] == "":
            lines.pop()
        count = b.get("totalcount") or b.get("head")
        result.extend(lines[:int(count)] if count else lines)
    return result


def _out_file(ps: Ps, b: Bound) -> list:
    path = to_str(b.get("filepath"))
    values = as_list(b.get("inputobject")) if b.get("inputobject") is not None else (
        b.input or [])
    _write_values(ps.guest.host(path), values, _encoding(b.get("encoding"), "unicode"),
                  b.has("append"), not b.has("nonewline"))
    return []


def _new_item(ps: Ps, b: Bound) -> list:
    kind = to_str(b.get("itemtype") or "file").lower()
    result = []
    for path in _paths(ps, b):
        if b.get("name"):
            path = path.rstrip("\\/") + "\\" + to_str(b.get("name"))
        host = ps.guest.host(path)
        if kind in ("directory", "dir", "d"):
            if os.path.exists(host) and not b.has("force"):
                raise NonTerminating(f"An item with the specified name {ps.guest.full(path)} "
                                     "already exists.")
            os.makedirs(host, exist_ok=True)
        elif kind in ("file", "f"):
            if os.path.exists(host) and not b.has("force"):
                raise NonTerminating(f"The file '{ps.guest.full(path)}' already exists.")
            if b.has("force"):
                os.makedirs(os.path.dirname(host), exist_ok=True)
            elif not os.path.isdir(os.path.dirname(host)):
                raise NonTerminating(f"Could not find a part of the path "
                                     f"'{ps.guest.full(path)}'.")
            with open(host, "wb") as handle:
                if b.get("value") is not None:
                    handle.write(to_str(b.get("value")).encode("cp1252", errors="replace"))
        else:
            raise NonTerminating(f"The simulator's New-Item makes files and directories, not "
                                 f"'{kind}'.")
        result.append(_item(ps, host))
    return result


def _remove_item(ps: Ps, b: Bound) -> list:
    for path in _paths(ps, b):
        matches = _expand_wildcards(ps, path)
        if not matches or not any(os.path.lexists(m) for m in matches):
            if "*" in path or "?" in path:
                continue
            raise _missing(ps, path)
        for host in matches:
            if os.path.isdir(host) and not os.path.islink(host):
                if os.listdir(host) and not b.has("recurse"):
                    raise NonTerminating(f"The item at {ps.guest.full(path)} has children and "
                                         "the Recurse parameter was not specified.")
                shutil.rmtree(host)
            elif os.path.lexists(host):
                os.unlink(host)
    return []


def _test_path(ps: Ps, b: Bound) -> list:
    result = []
    kind = to_str(b.get("pathtype") or "any").lower()
    for path in _paths(ps, b):
        lower = path.lower()
        if lower.startswith(("variable:", "env:")):
            drive, _, name = path.partition(":")
            name = name.lstrip("\\/")
            scope = "env" if drive.lower() == "env" else ""
            if ":" in name:
                name = name.split(":", 1)[1]
            result.append(ps.exists(scope, name))
            continue
        try:
            matches = _expand_wildcards(ps, path)
        except GuestError:
            result.append(False)
            continue
        found = [m for m in matches if os.path.exists(m)]
        if kind == "leaf":
            found = [m for m in found if not os.path.isdir(m)]
        elif kind == "container":
            found = [m for m in found if os.path.isdir(m)]
        result.append(bool(found))
    return result


def _copy_item(ps: Ps, b: Bound, move: bool = False) -> list:
    destination = ps.guest.host(to_str(b.get("destination")))
    for path in _paths(ps, b):
        matches = [m for m in _expand_wildcards(ps, path) if os.path.lexists(m)]
        if not matches:
            raise _missing(ps, path)
        for source in matches:
            target = destination
            if os.path.isdir(destination):
                target = os.path.join(destination, os.path.basename(source))
            if move:
                shutil.move(source, target)
            elif os.path.isdir(source):
                if not b.has("recurse"):
                    os.makedirs(target, exist_ok=True)
                else:
                    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, target)
    return []


def _get_child_item(ps: Ps, b: Bound) -> list:
    paths = _paths(ps, b) if b.get("path") is not None else [ps.guest.cwd]
    result: list = []
    for path in paths:
        matches = _expand_wildcards(ps, path)
        if not any(os.path.exists(m) for m in matches):
            raise _missing(ps, path)
        for host in matches:
            entries = [host]
            if os.path.isdir(host):
                entries = []
                for directory, dirs, files in os.walk(host):
                    entries += [os.path.join(directory, n) for n in sorted(dirs + files)]
                    if not b.has("recurse"):
                        break
            for entry in entries:
                if b.get("filter") and not fnmatch.fnmatch(os.path.basename(entry).lower(),
                                                          to_str(b.get("filter")).lower()):
                    continue
                if b.has("file") and os.path.isdir(entry):
                    continue
                if b.has("directory") and not os.path.isdir(entry):
                    continue
                item = _item(ps, entry)
                result.append(item.name if b.has("name") else item)
    return result


def _start_sleep(ps: Ps, b: Bound) -> list:
    seconds = float(to_str(b.get("seconds") or 0) or 0)
    seconds += float(to_str(b.get("milliseconds") or 0) or 0) / 1000
    ps.guest.sleep(seconds)
    return []


def _restart_computer(ps: Ps, b: Bound) -> list:
    if programs.restart_request(ps.guest, 0) != 0:
        raise NonTerminating("Failed to restart the computer with the following error "
                             "message: A system shutdown has already been scheduled.")
    return []


def _set_variable(ps: Ps, b: Bound) -> list:
    name = to_str(b.get("name"))
    scope = ""
    if ":" in name:
        prefix, _, name = name.rpartition(":")
        scope = "global" if prefix.lower().endswith("global") else ""
    if to_str(b.get("scope")).lower() == "global":
        scope = "global"
    ps.set(scope, name, b.get("value"))
    return []


def _get_variable(ps: Ps, b: Bound) -> list:
    name = to_str(b.get("name"))
    if not ps.exists("", name):
        raise NonTerminating(f"Cannot find a variable with the name '{name}'.")
    value = ps.get("", name)
    return [value] if b.has("valueonly") else [{"Name": name, "Value": value}]


def _set_location(ps: Ps, b: Bound) -> list:
    path = _paths(ps, b)[0]
    if not os.path.isdir(ps.guest.host(path)):
        raise _missing(ps, path)
    ps.guest.cwd = ps.guest.full(path)
    return []


def _foreach_object(ps: Ps, b: Bound) -> list:
    block = b.get("process")
    if not isinstance(block, ScriptBlock):
        raise PsError("ForEach-Object needs a script block.")
    return [v for item in b.input or [] for v in run_block(ps, block, [], underscore=item)]


def _where_object(ps: Ps, b: Bound) -> list:
    block = b.get("filterscript")
    if not isinstance(block, ScriptBlock):
        raise PsError("Where-Object needs a script block.")
    return [item for item in b.input or []
            if truthy(collapse(run_block(ps, block, [], underscore=item)))]


def _set_item(ps: Ps, b: Bound) -> list:
    path = _paths(ps, b)[0]
    drive, _, rest = path.partition(":")
    if drive.lower() == "env":
        ps.set("env", rest.lstrip("\\/"), b.get("value"))
        return []
    if drive.lower() == "wsman":
        parts = [p for p in re.split(r"[\\/]", rest.lower()) if p and p != "localhost"]
        if len(parts) >= 2:
            section, key = "/".join(parts[:-1]), parts[-1]
            names = {"allowunencrypted": "AllowUnencrypted", "basic": "Basic",
                     "negotiate": "Negotiate", "kerberos": "Kerberos", "credssp": "CredSSP",
                     "certificate": "Certificate"}
            value = "true" if truthy(b.get("value")) and to_str(b.get("value")).lower() != \
                "false" else "false"
            values = {names.get(key, key): value}
            ps.guest.winrm_config.setdefault(section, {}).update(values)
            ps.guest.control({"winrm": {"path": section, "values": values}})
        return []
    raise NonTerminating(f"Set-Item on '{path}' is not supported by the simulator's guest "
                         "(env: and WSMan: only).")


def _registry_or_service(ps: Ps, b: Bound) -> list:
    """Registry values and services have no effect in the simulated guest."""
    path = to_str(b.get("path") or "")
    if path and not path.upper().startswith(("HKLM:", "HKCU:", "REGISTRY::", "HKEY_")):
        raise NonTerminating(f"The simulator's guest keeps no item properties for '{path}' "
                             "(registry paths only, with no effect).")
    return []


def _out_string(ps: Ps, b: Bound) -> list:
    values = b.input or as_list(b.get("inputobject"))
    return ["".join(line + "\r\n" for v in values for line in format_lines(v))]


def _select_object(ps: Ps, b: Bound) -> list:
    values = list(b.input or [])
    if b.get("skip") is not None:
        values = values[int(b.get("skip")):]
    if b.get("first") is not None:
        values = values[:int(b.get("first"))]
    if b.get("last") is not None:
        values = values[-int(b.get("last")):] if int(b.get("last")) else []
    prop = b.get("expandproperty") or b.get("property")
    if prop is not None:
        values = [_member(lambda ps, v=v: v, to_str(prop))(ps) for v in values]
    return values


_DATE_TOKENS = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"),
                ("ss", "%S"))


def _get_date(ps: Ps, b: Bound) -> list:
    now = datetime.datetime.now()
    pattern = b.get("format")
    if pattern is None:
        return [now.strftime("%A, %B %-d, %Y %-I:%M:%S %p")]
    text = to_str(pattern)
    for token, directive in _DATE_TOKENS:
        text = text.replace(token, directive)
    return [now.strftime(text)]


def _nothing(ps: Ps, b: Bound) -> list:
    return []


def _get_location(ps: Ps, b: Bound) -> list:
    return [ps.guest.cwd]


def _mkdir(ps: Ps, b: Bound) -> list:
    b.named["itemtype"] = "Directory"
    return _new_item(ps, b)


CMDLETS = {c.name.lower(): c for c in (
    Cmdlet("Write-Output", _write_output, ("InputObject",), 0, ("NoEnumerate",),
           rest="InputObject"),
    Cmdlet("Write-Host", _write_host, ("Object", "ForegroundColor", "BackgroundColor",
                                       "Separator"), 0, ("NoNewline",), rest="Object"),
    Cmdlet("Write-Error", _write_error, ("Message", "Exception", "Category", "ErrorId"), 1),
    Cmdlet("Write-Warning", _write_warning, ("Message",), 1),
    Cmdlet("Write-Verbose", _nothing, ("Message",), 1),
    Cmdlet("Write-Debug", _nothing, ("Message",), 1),
    Cmdlet("Write-Progress", _nothing, ("Activity", "Status", "Id", "PercentComplete",
                                        "CurrentOperation"), 2, ("Completed",)),
    Cmdlet("Set-Content", _set_content, ("Path", "Value", "Encoding", "LiteralPath"), 2,
           ("Force", "NoNewline", "PassThru")),
    Cmdlet("Add-Content", lambda ps, b: _set_content(ps, b, append=True),
           ("Path", "Value", "Encoding", "LiteralPath"), 2, ("Force", "NoNewline", "PassThru")),
    Cmdlet("Get-Content", _get_content, ("Path", "Encoding", "TotalCount", "Head",
                                         "LiteralPath", "ReadCount"), 1, ("Raw", "Force")),
    Cmdlet("Out-File", _out_file, ("FilePath", "Encoding", "InputObject", "Width"), 2,
           ("Append", "Force", "NoNewline", "NoClobber")),
    Cmdlet("Out-Null", _nothing, ("InputObject",), 1),
    Cmdlet("Out-String", _out_string, ("InputObject", "Width"), 0, ("Stream",)),
    Cmdlet("New-Item", _new_item, ("Path", "ItemType", "Name", "Value"), 1, ("Force",)),
    Cmdlet("mkdir", _mkdir, ("Path", "Name", "Value", "ItemType"), 1, ("Force",)),
    Cmdlet("Remove-Item", _remove_item, ("Path", "LiteralPath", "Include", "Exclude",
                                         "Filter"), 1, ("Recurse", "Force")),
    Cmdlet("Test-Path", _test_path, ("Path", "PathType", "LiteralPath"), 1,
           ("IsValid",)),
    Cmdlet("Copy-Item", _copy_item, ("Path", "Destination", "LiteralPath"), 2,
           ("Recurse", "Force", "PassThru", "Container")),
    Cmdlet("Move-Item", lambda ps, b: _copy_item(ps, b, move=True),
           ("Path", "Destination", "LiteralPath"), 2, ("Force", "PassThru")),
    Cmdlet("Get-ChildItem", _get_child_item, ("Path", "Filter", "LiteralPath"), 2,
           ("Recurse", "Name", "Force", "File", "Directory")),
    Cmdlet("Start-Sleep", _start_sleep, ("Seconds", "Milliseconds"), 1),
    Cmdlet("Restart-Computer", _restart_computer, ("ComputerName",), 0, ("Force", "Wait")),
    Cmdlet("Set-ExecutionPolicy", _nothing, ("ExecutionPolicy", "Scope"), 1, ("Force",)),
    Cmdlet("Set-Variable", _set_variable, ("Name", "Value", "Scope", "Option"), 2,
           ("Force", "PassThru")),
    Cmdlet("Get-Variable", _get_variable, ("Name", "Scope"), 1, ("ValueOnly",)),
    Cmdlet("Set-Location", _set_location, ("Path", "LiteralPath"), 1),
    Cmdlet("Get-Location", _get_location),
    Cmdlet("ForEach-Object", _foreach_object, ("Process",), 1),
    Cmdlet("Where-Object", _where_object, ("FilterScript",), 1),
    Cmdlet("Set-Item", _set_item, ("Path", "Value"), 2, ("Force",)),
    Cmdlet("Set-ItemProperty", _registry_or_service, ("Path", "Name", "Value", "Type"), 3,
           ("Force",)),
    Cmdlet("New-ItemProperty", _registry_or_service, ("Path", "Name", "Value",
                                                      "PropertyType"), 3, ("Force",)),
    Cmdlet("Start-Service", _nothing, ("Name",), 1, ("Force",)),
    Cmdlet("Stop-Service", _nothing, ("Name",), 1, ("Force",)),
    Cmdlet("Restart-Service", _nothing, ("Name",), 1, ("Force",)),
    Cmdlet("Set-Service", _nothing, ("Name", "StartupType", "Status"), 1),
    Cmdlet("Enable-PSRemoting", _nothing, (), 0, ("Force", "SkipNetworkProfileCheck")),
    Cmdlet("Select-Object", _select_object, ("Property", "First", "Last", "Skip",
                                             "ExpandProperty"), 1),
    Cmdlet("Get-Date", _get_date, ("Date", "Format"), 1),
)}
ALIASES = {
    "echo": "write-output", "write": "write-output", "sc": "set-content",
    "ac": "add-content", "gc": "get-content", "cat": "get-content", "type": "get-content",
    "ni": "new-item", "md": "mkdir", "rm": "remove-item", "del": "remove-item",
    "erase": "remove-item", "ri": "remove-item", "rmdir": "remove-item", "rd": "remove-item",
    "cp": "copy-item", "copy": "copy-item", "cpi": "copy-item", "mv": "move-item",
    "move": "move-item", "mi": "move-item", "ls": "get-childitem", "dir": "get-childitem",
    "gci": "get-childitem", "sleep": "start-sleep", "cd": "set-location",
    "chdir": "set-location", "sl": "set-location", "pwd": "get-location",
    "gl": "get-location", "set": "set-variable", "gv": "get-variable",
    "foreach": "foreach-object", "%": "foreach-object", "where": "where-object",
    "?": "where-object", "si": "set-item", "sp": "set-itemproperty", "select": "select-object",
}


# -- entry points -----------------------------------------------------------------------------

def _top(guest: Guest, body_of: Callable[[Ps], list], file: bool = False) -> int:
    ps = Ps(guest)
    try:
        body = body_of(ps)
        ps.run_statements(body)
    except PsExit as done:
        return done.code
    except _Return:
        return 0
    except PsError as error:
        prefix = f"{error.command} : " if error.command else ""
        guest.write_err(f"{prefix}{error.message}\r\n")
        return 1
    except (GuestError, OSError) as error:
        guest.write_err(f"{error}\r\n")
        return 1
    if file:
        return 0
    return 0 if ps.ok else 1


def run_script(guest: Guest, script: str) -> int:
    """``powershell -Command SCRIPT`` (or -EncodedCommand): the process exit code."""
    return _top(guest, lambda ps: Parser(script).script())


def run_file(guest: Guest, path: str, args: list[str], top: bool = False) -> int:
    """``powershell -File PATH`` (or a .ps1 run from cmd): the process exit code."""
    def body(ps: Ps) -> list:
        text, _ = _decode(_read(guest.host(path)))
        ps.scopes.append(_frame_of_strings(list(args)))
        return Parser(text).script()
    return _top(guest, body, file=True)
