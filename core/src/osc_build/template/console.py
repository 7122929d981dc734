"""Evaluate one expression in a template's context (``osc-build console``)."""

from __future__ import annotations

import json
import os

from .body import plain
from .evaluator import Evaluator
from .functions import make_functions
from .model import PACKER_COMPAT_VERSION, Template
from .parser import parse_expression


class Console:
    def __init__(self, template: Template | None) -> None:
        root = template.root if template else os.getcwd()
        self.template = template
        scope = {
            "var": {n: v.value for n, v in template.variables.items()} if template else {},
            "local": {n: v.value for n, v in template.locals.items()} if template else {},
            "path": {"root": str(root), "cwd": os.getcwd()},
            "packer": {"version": PACKER_COMPAT_VERSION},
        }
        self.evaluator = Evaluator("<console>", scope, make_functions(root))

    def evaluate(self, text: str) -> str:
        """The value printed as HCL would: strings bare, other values as JSON-like text."""
        value = plain(self.evaluator.eval(parse_expression(text, "<console>")))
        output = value if isinstance(value, str) else json.dumps(value, indent=2)
        if self.template is not None:
            output = self.template.redact(output)
        return output
