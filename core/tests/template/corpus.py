"""Helpers shared by the corpus tests: find the cases, load them as ``osc-build`` would."""

from __future__ import annotations

import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "tests" / "templates"
SIDE_FILES = (".args.json", ".expected.json", ".error.txt", ".vars.hcl")


def case_paths() -> list[Path]:
    cases = []
    for path in sorted(CORPUS.iterdir()):
        if path.name == "files" or path.name.endswith(SIDE_FILES):
            continue
        if path.is_dir() or path.name.endswith((".pkr.hcl", ".json")):
            cases.append(path)
    return cases


def case_name(path: Path) -> str:
    """The name shared by a case's files; a ``.pkr.json`` twin shares its ``.pkr.hcl`` twin's."""
    return path.name.removesuffix(".pkr.hcl").removesuffix(".pkr.json").removesuffix(".json")


def case_id(path: Path) -> str:
    return case_name(path) + ("-pkr-json" if path.name.endswith(".pkr.json") else "")


def side_file(path: Path, suffix: str) -> Path:
    return CORPUS / (case_name(path) + suffix)


class FakeDataSources:
    """Answers ``data`` blocks with outputs derived from their config; records the order."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, type_: str, name: str, config: dict) -> dict:
        self.calls.append(f"{type_}.{name}")
        image = config.get("filters", {}).get("image-name", "")
        return {"id": f"ami-{name}", "name": image.replace("*", "1")}


def load_case(path: Path, datasources: FakeDataSources | None = None):
    """Load a corpus case with its ``.args.json`` (vars, var_files, env, datasource)."""
    from osc_build.template import load_template

    args_file = side_file(path, ".args.json")
    args = json.loads(args_file.read_text()) if args_file.exists() else {}
    if args.get("datasource"):
        datasources = datasources or FakeDataSources()
    return load_template(
        path.name, vars=args.get("vars", {}), var_files=args.get("var_files", []),
        env=args.get("env", {}), datasource=datasources)


def normalized(data: dict) -> dict:
    """Absolute corpus paths replaced so that expectations hold on every machine."""
    return json.loads(json.dumps(data).replace(str(CORPUS), "<corpus>"))
