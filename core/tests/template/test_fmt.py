"""fmt: canonical layout, idempotent on the corpus, evaluation unchanged."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from osc_build.errors import TemplateError
from osc_build.template.fmt import format_hcl, format_tokens
from osc_build.template.report import template_to_dict

from .corpus import CORPUS, case_name, case_paths, load_case, normalized, side_file
from .fmt_cases import FMT_CASES

REPO = CORPUS.parents[1]
PACKER_FORMATTED = sorted([*(REPO / "examples").glob("*.hcl"),
                           *(REPO / "tests" / "data" / "anchor-examples").glob("*.hcl")])

HCL_FILES = sorted(p for p in CORPUS.rglob("*.hcl") if not p.name.startswith("error-syntax"))
SINGLE_FILE_VALID = [p for p in case_paths() if p.name.endswith(".pkr.hcl")
                     and not side_file(p, ".error.txt").exists()]


@pytest.mark.parametrize("case", FMT_CASES, ids=lambda case: case.name)
def test_fmt_matches_hclwrite(case) -> None:
    assert format_tokens(case.given) == case.want
    assert format_tokens(case.want) == case.want


@pytest.mark.parametrize("path", PACKER_FORMATTED, ids=lambda p: str(p.relative_to(REPO)))
def test_packer_formatted_templates_are_left_byte_identical(path) -> None:
    data = path.read_bytes().decode()
    assert format_hcl(data, str(path)) == data


def test_byte_order_mark_is_dropped_and_tabs_count_as_spaces() -> None:
    assert format_tokens("\ufeffa\t=\t1\n") == "a = 1\n"
    assert format_tokens("\ufeff") == "   "  # hclwrite keeps the BOM's 3 bytes as spaces
    assert format_hcl("\ufeffsource \"null\" \"a\" {\n}\n") == 'source "null" "a" {\n}\n'


def test_heredoc_closing_marker_needs_a_line_of_its_own() -> None:
    text = 'x {\na = <<EOT\n  EOT is not the end ${var.y}\n  EOT\nb = 1\n}\n'
    assert format_tokens(text) == ('x {\n  a = <<EOT\n  EOT is not the end ${var.y}\n  EOT\n'
                                   '  b = 1\n}\n')


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


def fmt_cli(*args: str, cwd, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "osc_build", "fmt", *args], cwd=cwd,
                          input=stdin, capture_output=True, timeout=60, check=False)


def test_cli_keeps_crlf_and_reads_stdin(tmp_path) -> None:
    target = tmp_path / "win.pkr.hcl"
    target.write_bytes(b"a=1\r\nlonger=2\r\n")
    assert fmt_cli("-check", str(target), cwd=tmp_path).returncode == 3
    assert fmt_cli(str(target), cwd=tmp_path).returncode == 0
    assert target.read_bytes() == b"a      = 1\r\nlonger = 2\r\n"
    piped = fmt_cli("-", cwd=tmp_path, stdin=b"x {\r\na=1 # c\r\n}")
    assert piped.returncode == 0 and piped.stdout == b"x {\r\n  a = 1 # c\r\n}"


def test_cli_walks_directories_as_packer_does(tmp_path) -> None:
    for name in ("b.pkr.hcl", "a.pkrvars.hcl", "sub/c.pkr.hcl", ".hidden/d.pkr.hcl",
                 "#e.pkr.hcl#", "f.pkr.hcl~", "g.hcl", "sub/.h.pkr.hcl"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("a=1\n")
    flat = fmt_cli("-check", ".", cwd=tmp_path)
    assert (flat.returncode, flat.stdout.decode().split()) == (3, ["a.pkrvars.hcl",
                                                                    "b.pkr.hcl"])
    deep = fmt_cli("-recursive", ".", cwd=tmp_path)
    assert deep.stdout.decode().split() == ["a.pkrvars.hcl", "b.pkr.hcl", "sub/c.pkr.hcl"]
    assert (tmp_path / ".hidden" / "d.pkr.hcl").read_text() == "a=1\n"


def test_cli_refuses_a_file_that_is_not_a_template(tmp_path) -> None:
    (tmp_path / "g.hcl").write_text("a=1\n")
    result = fmt_cli("g.hcl", cwd=tmp_path)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert b"file g.hcl is not a HCL file" in result.stderr


def test_diff_without_a_diff_program_marks_a_missing_final_newline(monkeypatch) -> None:
    import shutil

    from osc_build.cli.fmt import _diff

    old, new = "x {\na=1\n}", "x {\n  a = 1\n}"
    with_program = _diff(old, new, "t.pkr.hcl")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert _diff(old, new, "t.pkr.hcl") == with_program == (
        "--- old/t.pkr.hcl\n+++ new/t.pkr.hcl\n@@ -1,3 +1,3 @@\n x {\n-a=1\n+  a = 1\n }\n"
        "\\ No newline at end of file\n")


def test_cli_formats_the_other_files_when_one_has_a_syntax_error(tmp_path) -> None:
    (tmp_path / "a-broken.pkr.hcl").write_text("a = [1\n}\n")
    (tmp_path / "b-ugly.pkr.hcl").write_text("a=1\n")
    result = fmt_cli(".", cwd=tmp_path)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert b"a-broken.pkr.hcl:2:1: Invalid syntax" in result.stderr
    assert (tmp_path / "b-ugly.pkr.hcl").read_text() == "a = 1\n"
