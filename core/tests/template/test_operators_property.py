"""Property test: operator precedence, associativity and arithmetic against a reference."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from osc_build.template.evaluator import Evaluator
from osc_build.template.parser import parse_expression

# HCL precedence levels (higher binds tighter); all binary operators are left-associative.
LEVELS = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4,
          "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
NUMERIC = ["+", "-", "*", "/", "%"]


def reference(tree: object) -> object:
    """Exact evaluation with Fractions; truncated modulo like cty; None means an error."""
    if not isinstance(tree, tuple):
        return tree
    if tree[0] == "neg":
        value = reference(tree[1])
        return None if value is None else -value
    op, left, right = tree
    a, b = reference(left), reference(right)
    if a is None or b is None:
        return None
    if op in ("/", "%") and b == 0:
        return None
    if op == "/":
        return Fraction(a) / Fraction(b)
    if op == "%":
        quotient = Fraction(a) / Fraction(b)
        truncated = int(quotient)
        return Fraction(a) - truncated * Fraction(b)
    return {"+": a + b, "-": a - b, "*": a * b}[op]


def fractional_modulo(tree: object) -> bool:
    """True if a ``%`` has a non-integer operand: finite-precision results then differ
    from exact ones near multiples (cty's 512-bit floats too), so no exact reference."""
    if not isinstance(tree, tuple):
        return False
    if tree[0] == "neg":
        return fractional_modulo(tree[1])
    op, left, right = tree
    if op == "%":
        a, b = reference(left), reference(right)
        if (a is not None and Fraction(a).denominator != 1) or \
                (b is not None and Fraction(b).denominator != 1):
            return True
    return fractional_modulo(left) or fractional_modulo(right)


def render(tree: object, parent: int = 0, right_side: bool = False) -> str:
    """HCL text with only the parentheses that precedence and associativity require."""
    if not isinstance(tree, tuple):
        return str(tree)
    if tree[0] == "neg":
        return f"-({render(tree[1])})"
    op, left, right = tree
    level = LEVELS[op]
    text = f"{render(left, level)} {op} {render(right, level, True)}"
    needs = level < parent or (level == parent and right_side)
    return f"({text})" if needs else text


numbers = st.integers(min_value=0, max_value=50)
trees = st.recursive(
    numbers,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(NUMERIC), inner, inner),
        st.tuples(st.just("neg"), inner)),
    max_leaves=12)


def evaluate(text: str) -> object:
    return Evaluator("<test>", {}, {}).eval(parse_expression(text, "<test>"))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(trees)
def test_arithmetic_matches_reference(tree) -> None:
    from osc_build.errors import TemplateError

    assume(not fractional_modulo(tree))
    expected = reference(tree)
    text = render(tree)
    try:
        value = evaluate(text)
    except TemplateError:
        assert expected is None, text
        return
    assert expected is not None, text
    assert abs(Fraction(value) - expected) <= abs(expected) * Fraction(1, 10**9) + \
        Fraction(1, 10**9), text


comparisons = st.tuples(numbers, st.sampled_from(["<", ">", "<=", ">=", "==", "!="]),
                        numbers, st.sampled_from(["&&", "||"]), numbers,
                        st.sampled_from(["+", "*"]), numbers, st.sampled_from(["<", "=="]),
                        numbers)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(comparisons)
def test_logic_and_comparison_precedence(parts) -> None:
    a, cmp1, b, logic, c, arith, d, cmp2, e = parts
    text = f"{a} {cmp1} {b} {logic} {c} {arith} {d} {cmp2} {e}"
    python = {"&&": "and", "||": "or"}
    expected = eval(f"({a} {cmp1} {b}) {python[logic]} (({c} {arith} {d}) {cmp2} {e})")
    assert evaluate(text) is expected, text


def test_generated_text_is_parenthesized_minimally() -> None:
    assert render(("-", 1, ("-", 2, 3))) == "1 - (2 - 3)"
    assert render(("-", ("-", 1, 2), 3)) == "1 - 2 - 3"
    assert render(("*", ("+", 1, 2), 3)) == "(1 + 2) * 3"
    assert evaluate("1 - 2 - 3") == -4
    assert evaluate("2 + 3 * 4") == 14
    assert Path(__file__).exists()
