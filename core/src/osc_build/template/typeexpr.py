"""Parse variable ``type`` constraint expressions (``map(string)``, ``object({...})``)."""

from __future__ import annotations

from osc_build.errors import TemplateError

from .nodes import Tree
from .parser import position, significant
from .types import COLLECTIONS, PRIMITIVES, Type


def parse_type(node: Tree, filename: str, evaluator=None) -> Type:
    def fail(where: object, message: str) -> TemplateError:
        line, column = position(where)
        return TemplateError(f"Invalid type specification: {message}", file=filename,
                             line=line, column=column)

    def walk(expr: Tree) -> Type:
        expr = _unwrap(expr)
        if expr.data == "identifier":
            name = str(expr.children[0])
            if name in PRIMITIVES:
                return (name,)
            raise fail(expr, f'the keyword "{name}" is not a valid type. Valid types are '
                       "string, number, bool, any, list(T), set(T), map(T), object({...}) "
                       "and tuple([...]).")
        if expr.data == "function_call":
            name = str(expr.children[0].children[0])
            args = _arguments(expr)
            if name in COLLECTIONS and len(args) == 1:
                return (name, walk(args[0]))
            if name == "tuple" and len(args) == 1 and _unwrap(args[0]).data == "tuple":
                return ("tuple", [walk(e) for e in _elements(_unwrap(args[0]))])
            if name == "object" and len(args) == 1 and _unwrap(args[0]).data == "object":
                return ("object", _object_attrs(_unwrap(args[0])))
            raise fail(expr, f'"{name}(...)" is not a valid type constructor here.')
        raise fail(expr, "a type is expected, such as string or list(string).")

    def _object_attrs(obj: Tree) -> dict:
        attrs = {}
        for elem in obj.children:
            if not (isinstance(elem, Tree) and elem.data == "object_elem"):
                continue
            key_inner = _unwrap(elem.children[0].children[0])
            if key_inner.data != "identifier":
                raise fail(elem, "object attribute names must be identifiers.")
            value = _unwrap(elem.children[-1])
            optional, default = False, None
            if value.data == "function_call" and str(value.children[0].children[0]) == \
                    "optional":
                args = _arguments(value)
                optional = True
                if len(args) == 2 and evaluator is not None:
                    default = evaluator.eval(args[1])
                value = _unwrap(args[0])
            attrs[str(key_inner.children[0])] = (walk(value), optional, default)
        return attrs

    return walk(node)


def _unwrap(node: Tree) -> Tree:
    while isinstance(node, Tree) and node.data == "expr_term" and \
            len(significant(node.children)) == 1:
        node = significant(node.children)[0]
    return node


def _arguments(call: Tree) -> list:
    args = next((c for c in call.children if isinstance(c, Tree) and c.data == "arguments"),
                None)
    return [] if args is None else [a for a in args.children if isinstance(a, Tree)
                                    and a.data != "new_line_or_comment"]


def _elements(node: Tree) -> list:
    return [c for c in node.children if isinstance(c, Tree)
            and c.data != "new_line_or_comment"]
