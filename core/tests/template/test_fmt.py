"""fmt: canonical layout, idempotent on the corpus, evaluation unchanged."""

from __future__ import annotations

import shutil

import pytest

from osc_build.errors import TemplateError
from osc_build.template.fmt import format_hcl
from osc_build.template.report import template_to_dict

from .corpus import CORPUS, case_name, case_paths, load_case, normalized, side_file

HCL_FILES = sorted(p for p in CORPUS.rglob("*.hcl") if not p.name.startswith("error-syntax"))
SINGLE_FILE_VALID = [p for p in case_paths() if p.name.endswith(".pkr.hcl")
                     and not side_file(p, ".error.txt").exists()]


@pytest.mark.parametrize("path", HCL_FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_fmt_is_idempotent(path) -> None:
    once = format_hcl(path.read_text(), str(path))
    assert format_hcl(once, str(path)) == once


@pytest.mark.parametrize("path", SINGLE_FILE_VALID, ids=case_name)
def test_fmt_keeps_the_evaluation(path, tmp_path, monkeypatch) -> None:
    shutil.copytree(CORPUS, tmp_path / "templates")
    copy = tmp_path / "templates" / path.name
    copy.write_text(format_hcl(path.read_text(), str(path)))
    monkeypatch.chdir(CORPUS)
    before = normalized(template_to_dict(load_case(path)))
    monkeypatch.chdir(tmp_path / "templates")
    after = template_to_dict(load_case(copy))
    after = normalized(after)
    text = str(tmp_path / "templates")
    assert before == normalized(__import__("json").loads(
        __import__("json").dumps(after).replace(text, str(CORPUS))))


def test_canonical_layout() -> None:
    ugly = ('variable "x" {\ntype = string\n   default="a"   \n}\nsource "null" "a" {\n'
            '  nested {\n  x   = 1\n  yy = { a = 1 }\n  }\n  list = [\n  1,\n  ]\n'
            '  doc = <<-EOT\n      keep   this\n    EOT\n}\n')
    assert format_hcl(ugly) == (
        'variable "x" {\n  type    = string\n  default = "a"\n}\nsource "null" "a" {\n'
        '  nested {\n    x  = 1\n    yy = { a = 1 }\n  }\n  list = [\n    1,\n  ]\n'
        '  doc = <<-EOT\n      keep   this\n    EOT\n}\n')


def test_anchor_examples_are_already_canonical() -> None:
    for path in (CORPUS / "anchor-bsu").glob("*.hcl"):
        assert format_hcl(path.read_text()) == path.read_text()


def test_syntax_error_is_reported() -> None:
    with pytest.raises(TemplateError, match=r"^x.pkr.hcl:2:1: Invalid syntax"):
        format_hcl('a = [1\n}\n', "x.pkr.hcl")
