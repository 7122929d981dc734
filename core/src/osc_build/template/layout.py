"""Which files make up a template: a file, or a directory of them and its auto var files."""

from __future__ import annotations

from pathlib import Path

from osc_build.errors import TemplateError


def template_files(path: Path) -> tuple[list[Path], list[Path]]:
    """(template files, auto var files) for a file or a directory argument."""
    if path.is_dir():
        files = sorted(path.glob("*.pkr.hcl")) + sorted(path.glob("*.pkr.json"))
        auto = sorted(path.glob("*.auto.pkrvars.hcl")) + sorted(path.glob("*.auto.pkrvars.json"))
        if not files:
            raise TemplateError("No template found: the directory has no *.pkr.hcl or "
                                "*.pkr.json file",
                                file=str(path))
        return files, auto
    return [path], []
