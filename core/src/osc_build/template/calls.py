"""Function calls: argument expansion (``f(list...)``), ``try``/``can``, errors with hints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from osc_build.errors import TemplateError

from .nodes import Token, Tree
from .parser import significant
from .values import UNKNOWN, ConversionError, is_known

if TYPE_CHECKING:
    from .evaluator import Evaluator


def call_function(evaluator: Evaluator, node: Tree) -> object:
    name_node = node.children[0]
    parts = significant(node.children)
    name = str(name_node.children[0])
    if any(isinstance(p, Token) and p == "::" for p in parts):
        names = [str(p.children[0]) for p in parts if isinstance(p, Tree)
                 and p.data == "identifier"]
        name = "::".join(names)
    arguments = next((p for p in parts if isinstance(p, Tree) and p.data == "arguments"), None)
    arg_nodes = [] if arguments is None else [
        a for a in arguments.children if isinstance(a, Tree) and a.data != "new_line_or_comment"]
    expand = arguments is not None and any(
        isinstance(a, Token) and a == "..." for a in arguments.children)

    if name in ("try", "can"):
        return _try_or_can(evaluator, name, arg_nodes, node)

    function = evaluator.functions.get(name)
    if function is None:
        hint = evaluator.suggest(name, list(evaluator.functions))
        detail = ""
        if name == "env":
            detail = " env() can only be used in the default value of a variable."
        raise evaluator.error(node, f'Call to unknown function: There is no function named '
                              f'"{name}".{hint}{detail}')
    args = [evaluator.eval(a) for a in arg_nodes]
    if expand:
        last = args.pop() if args else []
        if last is UNKNOWN:
            return UNKNOWN
        if not isinstance(last, list):
            raise evaluator.error(node, "Invalid expanding argument value: The expanding "
                                  "argument (indicated by ...) must be of a tuple, list, or "
                                  "set type.")
        args.extend(last)
    if not getattr(function, "accepts_unknown", False) and not all(is_known(a) for a in args):
        return UNKNOWN
    try:
        return function(*args)
    except TypeError as exc:
        if any(word in str(exc) for word in ("positional argument", "required", "takes")):
            raise evaluator.error(node, f'Invalid number of arguments for function "{name}" '
                                  f"({len(args)} given).") from None
        raise
    except (ConversionError, ValueError, KeyError, IndexError,
            OverflowError) as exc:
        message = str(exc).strip("'\"") or type(exc).__name__
        raise evaluator.error(node, f'Error in function call: Call to function "{name}" '
                              f"failed: {message}.") from None


def _try_or_can(evaluator: Evaluator, name: str, arg_nodes: list, node: Tree) -> object:
    if name == "can":
        if len(arg_nodes) != 1:
            raise evaluator.error(node, 'Invalid number of arguments for function "can".')
        try:
            value = evaluator.eval(arg_nodes[0])
        except TemplateError:
            return False
        return UNKNOWN if value is UNKNOWN else True
    if not arg_nodes:
        raise evaluator.error(node, 'Invalid function argument: "try" needs at least one '
                              "argument.")
    for arg in arg_nodes:
        try:
            return evaluator.eval(arg)
        except TemplateError:
            continue
    raise evaluator.error(node, "Error in function call: Call to function \"try\" failed: "
                          "no expression succeeded.")
