"""Evaluate HCL expressions from python-hcl2's lark tree to plain Python values."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from osc_build.errors import TemplateError

from .calls import call_function
from .nodes import Token, Tree
from .operators import apply_binary, apply_unary
from .parser import Located, label_text, position, significant
from .scope import LazyScope
from .strings import heredoc_template, quoted_template
from .values import UNKNOWN, ConversionError, to_bool, to_number, to_string, type_name

ROOT_MESSAGES = {
    "var": ("Reference to undeclared input variable",
            'An input variable with the name "{name}" has not been declared.'),
    "local": ("Reference to undeclared local value",
              'A local value with the name "{name}" has not been declared.'),
}


class Evaluator:
    """Evaluates expression trees of one file against a scope of root names."""

    def __init__(self, filename: str, scope: dict[str, object],
                 functions: dict[str, Callable]) -> None:
        self.filename = filename
        self.scope = scope
        self.functions = functions
        self._offset = (0, 0)

    def child(self, **names: object) -> Evaluator:
        """An evaluator with extra names in scope (for-expression and iterator variables)."""
        scope = dict(self.scope)
        scope.update(names)
        evaluator = Evaluator(self.filename, scope, self.functions)
        evaluator._offset = self._offset
        return evaluator

    # --- errors -------------------------------------------------------------------
    def error(self, node: object, message: str) -> TemplateError:
        line, column = position(node)
        if line is not None:
            line += self._offset[0]
        return TemplateError(message, file=self.filename, line=line, column=column)

    def location(self, node: object) -> tuple:
        line, column = position(node)
        return self.filename, (line + self._offset[0]) if line else None, column

    # --- entry point --------------------------------------------------------------
    def eval(self, node: object) -> object:
        if isinstance(node, Located):
            saved = self._offset
            self._offset = (node.line_offset, node.column_offset)
            try:
                return self.eval(node.tree)
            finally:
                self._offset = saved
        if isinstance(node, Token):
            raise self.error(node, f"Unexpected token {node!s}")
        handler = getattr(self, "_eval_" + node.data, None)
        if handler is None:
            raise self.error(node, f"Unsupported expression ({node.data})")
        return handler(node)

    # --- terms --------------------------------------------------------------------
    def _eval_expr_term(self, node: Tree) -> object:
        children = significant(node.children)
        if isinstance(children[0], Token) and children[0] == "(":
            return self.eval(children[1])
        return self.eval(children[0])

    def _eval_int_lit(self, node: Tree) -> object:
        return int(str(node.children[0]))

    def _eval_float_lit(self, node: Tree) -> object:
        return to_number(str(node.children[0]))

    def _eval_literal_value(self, node: Tree) -> object:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def _eval_string(self, node: Tree) -> object:
        return self.render(quoted_template(node, self.filename), node)

    def _eval_heredoc_template(self, node: Tree) -> object:
        return self.render(heredoc_template(node.children[0], self.filename), node)

    _eval_heredoc_template_trim = _eval_heredoc_template

    def _eval_template_string(self, node: Tree) -> object:
        from .strings import decode_escapes
        return decode_escapes(str(node.children[0])[2:-2])

    def _eval_tuple(self, node: Tree) -> object:
        return [self.eval(c) for c in node.children if isinstance(c, Tree)
                and c.data != "new_line_or_comment"]

    def _eval_object(self, node: Tree) -> object:
        result: dict = {}
        for elem in node.children:
            if not (isinstance(elem, Tree) and elem.data == "object_elem"):
                continue
            key_node, value_node = elem.children[0], elem.children[-1]
            key = self.object_key(key_node)
            if key is UNKNOWN:
                return UNKNOWN
            if key in result:
                raise self.error(key_node, f'Duplicate object attribute "{key}"')
            result[key] = self.eval(value_node)
        return result

    def object_key(self, key_node: Tree) -> object:
        inner = key_node.children[0]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        if isinstance(inner, Tree) and inner.data == "expr_term":
            first = significant(inner.children)
            if len(first) == 1 and isinstance(first[0], Tree) and first[0].data == "identifier":
                return str(first[0].children[0])
        value = self.eval(inner)
        if value is UNKNOWN:
            return UNKNOWN
        try:
            return to_string(value)
        except ConversionError as exc:
            raise self.error(key_node, f"Invalid object key: {exc}") from None

    def _eval_identifier(self, node: Tree) -> object:
        name = str(node.children[0])
        if name in self.scope:
            return self.scope[name]
        known = [n for n in self.scope if not n.startswith("_")]
        hint = self.suggest(name, known)
        raise self.error(node, f'Unknown variable: There is no variable named "{name}".{hint}')

    @staticmethod
    def suggest(name: str, candidates: list[str]) -> str:
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        return f' Did you mean "{close[0]}"?' if close else ""

    # --- traversals ---------------------------------------------------------------
    def _eval_get_attr_expr_term(self, node: Tree) -> object:
        base = self.eval(node.children[0])
        return self.get_attr(base, node.children[1], node.children[0])

    def get_attr(self, base: object, get_attr: Tree, base_node: object) -> object:
        name = label_text(get_attr.children[-1])
        return self.lookup(base, name, get_attr, base_node)

    def lookup(self, base: object, name: str, node: object, base_node: object = None) -> object:
        if base is UNKNOWN:
            return UNKNOWN
        if isinstance(base, LazyScope):
            if name in base:
                return base.get(name, self.location(node))
            raise self._unknown_attr(base.kind, name, base.keys(), node, base_node)
        if isinstance(base, dict):
            if name in base:
                return base[name]
            raise self._unknown_attr(None, name, list(base), node, base_node)
        if isinstance(base, list) and name.isdigit():
            return self.index(base, int(name), node)
        if base is None:
            raise self.error(node, f'Attempt to get attribute "{name}" from null value: '
                             "this value is null, so it does not have any attributes.")
        raise self.error(node, f'Unsupported attribute "{name}": can\'t access attributes '
                         f"on a primitive-typed value ({type_name(base)}).")

    def _unknown_attr(self, kind: str | None, name: str, candidates: list, node: object,
                      base_node: object) -> TemplateError:
        root = None
        if isinstance(base_node, Tree) and base_node.data == "expr_term":
            inner = significant(base_node.children)[0]
            if isinstance(inner, Tree) and inner.data == "identifier":
                root = str(inner.children[0])
        hint = self.suggest(name, [str(c) for c in candidates])
        if root in ROOT_MESSAGES:
            summary, detail = ROOT_MESSAGES[root]
            return self.error(node, f"{summary}: {detail.format(name=name)}{hint}")
        if kind == "data source" or root == "data":
            return self.error(node, f'Reference to undeclared data source "{name}".{hint}')
        return self.error(node, f'Unsupported attribute: This object does not have an '
                          f'attribute named "{name}".{hint}')

    def _eval_index_expr_term(self, node: Tree) -> object:
        base = self.eval(node.children[0])
        return self.apply_index(base, node.children[1])

    def apply_index(self, base: object, index_node: Tree) -> object:
        if index_node.data == "short_index":
            key: object = int(str(index_node.children[-1]))
        else:
            key = self.eval(significant(index_node.children)[1])
        if base is UNKNOWN or key is UNKNOWN:
            return UNKNOWN
        return self.index(base, key, index_node)

    def index(self, base: object, key: object, node: object) -> object:
        if isinstance(base, list):
            try:
                number = to_number(key)
            except ConversionError as exc:
                raise self.error(node, f"Invalid index: {exc}") from None
            if not isinstance(number, int) or not 0 <= number < len(base):
                raise self.error(node, f"Invalid index: The given key does not identify an "
                                 f"element in this collection value (index {key}, length "
                                 f"{len(base)}).")
            return base[number]
        if isinstance(base, dict | LazyScope):
            try:
                return self.lookup(base, to_string(key), node)
            except ConversionError as exc:
                raise self.error(node, f"Invalid index: {exc}") from None
        if base is None:
            raise self.error(node, "Attempt to index null value: This value is null, so it "
                             "does not have any indices.")
        raise self.error(node, f"Invalid index: This value ({type_name(base)}) does not have "
                         "any indices.")

    def _eval_full_splat_expr_term(self, node: Tree) -> object:
        base = self.eval(node.children[0])
        return self.splat(base, node.children[1])

    _eval_attr_splat_expr_term = _eval_full_splat_expr_term

    def splat(self, base: object, splat: Tree) -> object:
        if base is UNKNOWN:
            return UNKNOWN
        if base is None:
            return []
        items = base if isinstance(base, list) else [base]
        steps = [c for c in splat.children if isinstance(c, Tree)]
        out = []
        for item in items:
            for step in steps:
                if step.data == "get_attr":
                    item = self.get_attr(item, step, None)
                else:
                    item = self.apply_index(item, step)
            out.append(item)
        return out

    # --- operators ----------------------------------------------------------------
    def _eval_binary_op(self, node: Tree) -> object:
        lhs = self.eval(node.children[0])
        term = node.children[1]
        operator = str(significant(term.children)[0].children[0]).strip()
        rhs_node = significant(term.children)[-1]
        if operator in ("&&", "||"):
            return self.logical(operator, lhs, rhs_node, node)
        rhs = self.eval(rhs_node)
        try:
            return apply_binary(operator, lhs, rhs)
        except (ConversionError, ZeroDivisionError) as exc:
            raise self.error(node, f"Invalid operand for {operator}: {exc}") from None

    def logical(self, operator: str, lhs: object, rhs_node: object, node: Tree) -> object:
        rhs = self.eval(rhs_node)
        try:
            return apply_binary(operator, lhs, rhs)
        except ConversionError as exc:
            raise self.error(node, f"Invalid operand for {operator}: {exc}") from None

    def _eval_unary_op(self, node: Tree) -> object:
        operator = str(node.children[0])
        value = self.eval(node.children[1])
        try:
            return apply_unary(operator, value)
        except ConversionError as exc:
            raise self.error(node, f"Invalid operand for unary {operator}: {exc}") from None

    def _eval_conditional(self, node: Tree) -> object:
        condition, then_node, else_node = [c for c in significant(node.children)
                                           if isinstance(c, Tree)]
        value = self.eval(condition)
        if value is UNKNOWN:
            return UNKNOWN
        try:
            chosen = to_bool(value)
        except ConversionError as exc:
            raise self.error(condition, f"Incorrect condition type: {exc}") from None
        return self.eval(then_node if chosen else else_node)

    # --- for expressions ----------------------------------------------------------
    def _iterate(self, intro: Tree) -> tuple[list, str | None, str]:
        names = [str(c.children[0]) for c in intro.children
                 if isinstance(c, Tree) and c.data == "identifier"]
        collection_node = next(c for c in intro.children if isinstance(c, Tree)
                           and c.data not in ("identifier", "new_line_or_comment"))
        collection = self.eval(collection_node)
        key_name, value_name = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return self.pairs(collection, collection_node), key_name, value_name

    def pairs(self, collection: object, node: object) -> list:
        if collection is UNKNOWN:
            return UNKNOWN
        if isinstance(collection, list):
            return list(enumerate(collection))
        if isinstance(collection, dict):
            return [(k, collection[k]) for k in sorted(collection)]
        raise self.error(node, f"Iteration over non-iterable value: A value of type "
                         f"{type_name(collection)} cannot be used as the collection in a "
                         "'for' expression.")

    def _for_parts(self, node: Tree) -> tuple:
        parts = significant(node.children)
        intro = next(p for p in parts if isinstance(p, Tree) and p.data == "for_intro")
        cond = next((p for p in parts if isinstance(p, Tree) and p.data == "for_cond"), None)
        exprs = [p for p in parts if isinstance(p, Tree)
                 and p.data not in ("for_intro", "for_cond")]
        grouping = any(isinstance(p, Token) and p == "..." for p in parts)
        return intro, cond, exprs, grouping

    def _for_each(self, node: Tree):
        intro, cond, exprs, grouping = self._for_parts(node)
        pairs, key_name, value_name = self._iterate(intro)
        if pairs is UNKNOWN:
            yield UNKNOWN, exprs, grouping
            return
        for key, value in pairs:
            names = {value_name: value}
            if key_name:
                names[key_name] = key
            scope = self.child(**names)
            if cond is not None:
                keep = scope.eval(significant(cond.children)[-1])
                if keep is UNKNOWN:
                    yield UNKNOWN, exprs, grouping
                    return
                try:
                    if not to_bool(keep):
                        continue
                except ConversionError as exc:
                    raise self.error(cond, f"Invalid 'for' condition: {exc}") from None
            yield scope, exprs, grouping

    def _eval_for_tuple_expr(self, node: Tree) -> object:
        out = []
        for scope, exprs, _ in self._for_each(node):
            if scope is UNKNOWN:
                return UNKNOWN
            out.append(scope.eval(exprs[0]))
        return out

    def _eval_for_object_expr(self, node: Tree) -> object:
        out: dict = {}
        for scope, exprs, grouping in self._for_each(node):
            if scope is UNKNOWN:
                return UNKNOWN
            key = scope.eval(exprs[0])
            if key is UNKNOWN:
                return UNKNOWN
            try:
                key = to_string(key)
            except ConversionError as exc:
                raise self.error(exprs[0], f"Invalid object key: {exc}") from None
            value = scope.eval(exprs[1])
            if grouping:
                out.setdefault(key, []).append(value)
            elif key in out:
                raise self.error(exprs[0], f'Duplicate object key: Two different items '
                                 f'produced the key "{key}" in this \'for\' expression. If '
                                 "duplicates are expected, use the ellipsis (...) after the "
                                 "value expression to enable grouping by key.")
            else:
                out[key] = value
        return out

    # --- function calls -----------------------------------------------------------
    def _eval_function_call(self, node: Tree) -> object:
        return call_function(self, node)

    # --- string templates ---------------------------------------------------------
    def render(self, items: list, node: object) -> object:
        if len(items) == 1 and isinstance(items[0], tuple) and items[0][0] == "interp":
            return self.eval(items[0][1])
        out: list[str] = []
        for item in items:
            if isinstance(item, str):
                out.append(item)
                continue
            piece = self._render_item(item, node)
            if piece is UNKNOWN:
                return UNKNOWN
            out.append(piece)
        return "".join(out)

    def _render_item(self, item: tuple, node: object) -> object:
        kind = item[0]
        if kind == "interp":
            value = self.eval(item[1])
            if value is UNKNOWN:
                return UNKNOWN
            if value is None:
                raise self.error(node, "Invalid template interpolation value: The "
                                 "expression result is null. Cannot include a null value "
                                 "in a string template.")
            try:
                return to_string(value)
            except ConversionError as exc:
                raise self.error(node, f"Invalid template interpolation value: {exc}.") \
                    from None
        if kind == "if":
            condition = self.eval(item[1])
            if condition is UNKNOWN:
                return UNKNOWN
            try:
                branch = item[2] if to_bool(condition) else item[3]
            except ConversionError as exc:
                raise self.error(node, f"Invalid template if condition: {exc}") from None
            return self._render_plain(branch, node)
        _, key_name, value_name, collection_expr, body = item
        collection = self.eval(collection_expr)
        pairs = self.pairs(collection, node)
        if pairs is UNKNOWN:
            return UNKNOWN
        pieces = []
        for key, value in pairs:
            names = {value_name: value}
            if key_name:
                names[key_name] = key
            piece = self.child(**names)._render_plain(body, node)
            if piece is UNKNOWN:
                return UNKNOWN
            pieces.append(piece)
        return "".join(pieces)

    def _render_plain(self, items: list, node: object) -> object:
        out = []
        for item in items:
            piece = item if isinstance(item, str) else self._render_item(item, node)
            if piece is UNKNOWN:
                return UNKNOWN
            out.append(piece)
        return "".join(out)
