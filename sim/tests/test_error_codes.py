"""Every refusal the simulator can make uses a gateway_errors.yaml code (or a documented extra).

Reads the simulator's source: each ``ApiError``/``invalid``/``not_found``/``bad_state``/
``conflict`` call with a literal code, the no-such codes of the resource kinds and the
throttling codes of the fault rules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import osc_build_sim
from osc_build_sim import errors
from osc_build_sim.faults import _THROTTLE
from osc_build_sim.ops.common import KINDS

SOURCE = Path(osc_build_sim.__file__).parent
DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator-fidelity.md"
CONSTANTS = {name: getattr(errors, name) for name in dir(errors) if name.isupper()
             and isinstance(getattr(errors, name), int)}
_POSITION = {"ApiError": 1, "invalid": 1, "not_found": 0, "bad_state": 0, "conflict": 0}


def _code(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    return None


def literal_codes() -> dict[int, list[str]]:
    """code -> where it is raised, for every call with a literal or named code."""
    found: dict[int, list[str]] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in _POSITION):
                continue
            position = _POSITION[node.func.id]
            keyword = [k.value for k in node.keywords if k.arg == "code"]
            if len(node.args) > position:
                code = _code(node.args[position])
            elif keyword:
                code = _code(keyword[0])
            elif node.func.id == "invalid":
                code = errors.INVALID_VALUE  # its default
            else:
                continue
            if code is not None:
                where = f"{path.relative_to(SOURCE)}:{node.lineno}"
                found.setdefault(code, []).append(where)
    return found


def test_the_scan_finds_the_refusals():
    codes = literal_codes()
    assert {5023, 9015, 4026, 4047, 4120, 1} <= set(codes)


def test_every_code_is_in_the_catalogue_or_a_documented_extra():
    catalogue = errors.catalogue()
    codes = {*literal_codes(), *(code for _p, _t, code, _w in KINDS.values()), *_THROTTLE}
    unknown = {code: literal_codes().get(code) for code in codes
               if str(code) not in catalogue and str(code) not in errors.EXTRA_TYPES}
    assert unknown == {}


def test_every_extra_code_is_in_the_fidelity_document():
    text = DOC.read_text()
    for code, kind in errors.EXTRA_TYPES.items():
        assert f"Code {code}," in text and kind in text, code
