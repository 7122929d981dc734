"""The HCL2 function library, split by family; :func:`make_functions` builds the table.

Packer's ``env()`` only exists in variable defaults, so it is in :func:`default_functions`
and not in :func:`make_functions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from . import collections, datetime, encoding, files, network, numeric, text

UNSUPPORTED = ("vault", "consul_key", "aws_secretsmanager", "aws_secretsmanager_raw")


def _unsupported(name: str) -> Callable:
    def function(*args: object) -> object:
        raise ValueError(f"{name}() needs an external service and is not supported by "
                         "osc-build; pass the value with -var instead")
    return function


def make_functions(base_dir: Path) -> dict[str, Callable]:
    table: dict[str, Callable] = {}
    for family in (text, collections, numeric, encoding, datetime, network):
        table.update(family.FUNCTIONS)
    del table["go_regex"]
    table.update(files.make(base_dir, lambda *args: _render(table, *args)))
    for name in UNSUPPORTED:
        table[name] = _unsupported(name)
    return table


def default_functions(env: Mapping[str, str]) -> dict[str, Callable]:
    """The only function a variable default may call: ``env(NAME)`` ("" when unset)."""
    return {"env": lambda name: env.get(str(name), "")}


def _render(table: dict, body: str, path: str, variables: dict) -> object:
    from ..evaluator import Evaluator
    from ..strings import text_template

    functions = {k: v for k, v in table.items() if k != "templatefile"}
    evaluator = Evaluator(path, dict(variables), functions)
    result = evaluator.render(text_template(body, path), None)
    return result
