"""docs/writing-a-builder.md shows the fake plugins' files as they are."""

from __future__ import annotations

import configparser
import email
import re
import tomllib
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-a-builder.md"
FENCE = "`" * 3  # written out, it would end this file's own block in the document
FILE_BLOCK = re.compile(rf"<!-- file: (\S+) -->\n[^\n]*\n\n{FENCE}\w+\n(.*?){FENCE}", re.S)
PYPROJECT_BLOCK = re.compile(rf"<!-- pyproject: (\S+) -->\n{FENCE}toml\n(.*?){FENCE}", re.S)


def test_the_document_shows_the_files_as_they_are():
    text = DOC.read_text(encoding="utf-8")
    shown = FILE_BLOCK.findall(text)
    assert len(shown) >= 8
    for path, block in shown:
        assert block == (DOC.parents[1] / path).read_text(encoding="utf-8"), path


def test_the_documented_pyproject_is_what_is_installed(fake_plugins):
    (dist_info, block), = PYPROJECT_BLOCK.findall(DOC.read_text(encoding="utf-8"))
    project = tomllib.loads(block)["project"]
    metadata = email.message_from_string((fake_plugins / dist_info / "METADATA").read_text())
    assert (metadata["Name"], metadata["Version"]) == (project["name"], project["version"])
    installed = configparser.ConfigParser(delimiters=("=",))
    installed.read(fake_plugins / dist_info / "entry_points.txt")
    assert {group: dict(installed[group]) for group in installed.sections()} == \
        project["entry-points"]
