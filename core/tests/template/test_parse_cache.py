"""Kept parse trees and the pickled parser: the trees of a fresh parse, never trusted blindly."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

from osc_build.template import hcl_parser, parse_cache
from osc_build.template.nodes import Token, Tree, from_lark
from osc_build.template.parser import _parse_with_lark, parse_hcl

from .corpus import CORPUS

TEXT = 'source "outscale-bsu" "a" {\n  vm_type = "tinav5.c1r1p1" # why\n  n = [1, 2][0]\n}\n'


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    hcl_parser.hcl_parser.cache_clear()
    yield tmp_path / "osc-build"
    hcl_parser.hcl_parser.cache_clear()


def kept_files(cache_home):
    return sorted((cache_home / "parsed").glob("*.pickle"))


def test_a_kept_tree_equals_a_fresh_parse(cache_home):
    fresh = parse_hcl(TEXT, "a.pkr.hcl")
    [kept] = kept_files(cache_home)
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
    loaded = parse_hcl(TEXT, "a.pkr.hcl")
    assert loaded == fresh and loaded is not fresh
    tokens = [t for t in walk(loaded) if isinstance(t, Token)]
    assert ("STRING_CHARS", "tinav5.c1r1p1", 2, 14) in [
        (t.type, t.value, t.line, t.column) for t in tokens]


def walk(node):
    yield node
    for child in getattr(node, "children", ()):
        yield from walk(child)


def test_our_trees_keep_what_lark_had():
    from lark import Token as LarkToken

    from osc_build.template.hcl_parser import hcl_parser as build

    lark_tree = build().parse(TEXT + "\n")
    ours = from_lark(lark_tree)
    lark_nodes, our_nodes = list(lark_tree.iter_subtrees_topdown()), [
        n for n in walk(ours) if isinstance(n, Tree)]
    assert [str(n.data) for n in lark_nodes] == [n.data for n in our_nodes]
    lark_tokens = [t for t in lark_tree.scan_values(lambda v: isinstance(v, LarkToken))]
    our_tokens = [t for t in walk(ours) if isinstance(t, Token)]
    assert [(t.type, str(t), t.line, t.column) for t in lark_tokens] == \
        [(t.type, str(t), t.line, t.column) for t in our_tokens]


def test_a_tree_is_kept_by_text_not_by_file_name(cache_home):
    parse_hcl(TEXT, "a.pkr.hcl")
    parse_hcl(TEXT, "b.pkr.hcl")
    parse_hcl(TEXT + "\n", "a.pkr.hcl")
    assert len(kept_files(cache_home)) == 2


def test_a_tree_file_writable_by_others_is_not_loaded(cache_home):
    parse_hcl(TEXT, "a.pkr.hcl")
    [kept] = kept_files(cache_home)
    kept.write_bytes(pickle.dumps(Tree("planted", [])))
    assert parse_hcl(TEXT, "a.pkr.hcl").data == "planted"  # ours: trusted
    os.chmod(kept, 0o666)
    assert parse_hcl(TEXT, "a.pkr.hcl").data == "start"  # others could write it: parsed again


def test_a_damaged_tree_file_is_parsed_again(cache_home):
    parse_hcl(TEXT, "a.pkr.hcl")
    [kept] = kept_files(cache_home)
    kept.write_bytes(b"\x80\x05cut in the mid")
    assert parse_hcl(TEXT, "a.pkr.hcl") == _parse_with_lark(TEXT, "a.pkr.hcl")


def test_syntax_errors_are_not_kept(cache_home):
    from osc_build.errors import TemplateError

    with pytest.raises(TemplateError, match="Invalid"):
        parse_hcl("a = = 1\n", "bad.pkr.hcl")
    assert kept_files(cache_home) == []


def test_the_cache_is_pruned_to_its_most_recent_half(cache_home, monkeypatch):
    monkeypatch.setattr(parse_cache, "_KEEP", 4)
    kept_before: list = []
    for n in range(5):
        parse_hcl(f"n = {n}\n", "a.pkr.hcl")
        [newest] = set(kept_files(cache_home)) - set(kept_before)
        os.utime(newest, ns=(n * 10**9, n * 10**9))  # distinct ages, oldest first
        kept_before = kept_files(cache_home)
    assert len(kept_files(cache_home)) == 2
    assert [parse_hcl(f"n = {n}\n", "a.pkr.hcl") for n in (3, 4)]
    assert len(kept_files(cache_home)) == 2  # the two newest were kept: no new file


def test_an_unwritable_cache_only_costs_the_parse(tmp_path, monkeypatch):
    (tmp_path / "osc-build").write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert parse_hcl(TEXT, "a.pkr.hcl").data == "start"


def test_corpus_templates_parse_the_same_from_the_cache(cache_home):
    texts = [path.read_text() for path in sorted(CORPUS.rglob("*.pkr.hcl"))]
    assert len(texts) > 30
    for text in texts:
        try:
            fresh = _parse_with_lark(text, "t.pkr.hcl")
        except Exception:  # the corpus's syntax-error cases
            continue
        parse_hcl(text, "t.pkr.hcl")
        assert parse_hcl(text, "t.pkr.hcl") == fresh


def test_the_pickled_parser_parses_like_python_hcl2(cache_home):
    import hcl2

    built = hcl_parser.hcl_parser()
    [pickled] = cache_home.glob("hcl2-parser-*.pickle")
    assert oct(pickled.stat().st_mode & 0o777) == "0o600"
    hcl_parser.hcl_parser.cache_clear()
    loaded = hcl_parser.hcl_parser()
    assert loaded is not built
    assert loaded.parse(TEXT + "\n") == hcl2.parses_to_tree(TEXT)


def test_a_damaged_parser_pickle_is_rebuilt(cache_home):
    hcl_parser.hcl_parser()
    [pickled] = cache_home.glob("hcl2-parser-*.pickle")
    pickled.write_bytes(b"garbage")
    hcl_parser.hcl_parser.cache_clear()
    assert hcl_parser.hcl_parser().parse("a = 1\n").data == "start"


def test_validate_from_kept_trees_imports_no_parser(tmp_path):
    template = tmp_path / "t.pkr.hcl"
    template.write_text(TEXT.replace('"a" {', '"a" {\n  source_omi = "ami-12345678"\n'
                                     '  ssh_username = "outscale"\n  omi_name = "kept-tree"')
                        .replace("  n = [1, 2][0]\n", "")
                        + 'build {\n  sources = ["source.outscale-bsu.a"]\n}\n')
    probe = ("import sys, runpy\nsys.argv = ['osc-build', 'validate', sys.argv[1]]\n"
             "try:\n    runpy.run_module('osc_build', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lark', 'hcl2')))\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", probe, str(template)], capture_output=True,
                           text=True, env=env, timeout=60) for _ in range(2)]
    assert "The configuration is valid." in runs[0].stdout, runs[0].stdout + runs[0].stderr
    assert "'lark'" in runs[0].stdout.splitlines()[-1]  # first run: parsed
    assert runs[1].stdout.splitlines()[-1] == "[]", runs[1].stdout  # then: kept tree only
