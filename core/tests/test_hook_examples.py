"""The osc_build_prepare example of hookspecs.py and docs/hooks.md runs on loaded options."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from osc_build import hookimpl, hookspecs
from osc_build.communicators import CommunicatorOptionsSchema
from osc_build.config import load_options
from osc_build.context import BuildContext
from osc_build.errors import ConfigError
from osc_build.ui import Ui

HOOKS_MD = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"


def docstring_example(hook: str) -> str:
    doc = getattr(hookspecs.BuildSpecs, hook).__doc__ or ""
    return textwrap.dedent(doc.split("Example::", 1)[1])


def markdown_example(hook: str) -> str:
    section = HOOKS_MD.read_text(encoding="utf-8").split(f"## {hook}\n", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


def prepare_hook(source: str):
    namespace = {"hookimpl": hookimpl, "ConfigError": ConfigError}
    exec(compile(source, "<example>", "exec"), namespace)  # our own docs
    return namespace["osc_build_prepare"]


def ctx_with(**options) -> BuildContext:
    config = load_options(CommunicatorOptionsSchema, options, where="source.example.main")
    return BuildContext(name="example.main", builder="example", config=config, ui=Ui("example"))


@pytest.mark.parametrize("example", [docstring_example, markdown_example],
                         ids=["hookspecs.py", "docs/hooks.md"])
def test_prepare_example_reads_the_loaded_options(example):
    prepare = prepare_hook(example("osc_build_prepare"))
    with pytest.raises(ConfigError, match="'root' cannot log in"):
        prepare(None, ctx=ctx_with(ssh_username="root", ssh_password="pw"))
    assert prepare(None, ctx=ctx_with(ssh_username="outscale", ssh_password="pw")) is None
