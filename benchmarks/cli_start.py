"""1. CLI start: `version`, `--help`, `validate examples/quickstart.pkr.hcl`."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from common import ROOT, check, child_env, osc_build, run_measured, summary

COMMANDS = {
    "version": (["version"], 0.100),
    "help": (["--help"], None),
    "validate_quickstart": (["validate", "examples/quickstart.pkr.hcl"], 0.150),
}


def importtime_top(args: list[str], count: int = 8) -> list[dict]:
    """The slowest top-level imports of a command (python -X importtime)."""
    measured = run_measured([osc_build()[0], "-X", "importtime",
                             *osc_build(*args)[1:]], cwd=ROOT)
    rows = []
    for line in measured.output.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if cumulative.strip().isdigit() and not name.startswith("  "):
            rows.append({"module": name.strip(), "ms": round(int(cumulative) / 1000, 1)})
    return sorted(rows, key=lambda row: row["ms"], reverse=True)[:count]


def validate_edited(runs: int) -> dict:
    """validate of a template just edited: no kept parse tree, the parser is loaded and run."""
    text = (ROOT / "examples" / "quickstart.pkr.hcl").read_text()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "quickstart.pkr.hcl"
        times = []
        for n in range(runs + 2):
            path.write_text(f"{text}\n# edit {n} {time.time_ns()}\n")
            measured = check(run_measured(osc_build("validate", str(path)), cwd=ROOT), "edited")
            times.append(measured.seconds)
    return {"command": "osc-build validate examples/quickstart.pkr.hcl (edited before each run)",
            "seconds": summary(times[2:]),
            "target_seconds": None, "met": None}


def run(runs: int = 15) -> dict:
    results = {}
    for name, (args, target) in COMMANDS.items():
        for _ in range(2):  # warm: bytecode written, files in the page cache
            check(run_measured(osc_build(*args), cwd=ROOT), name)
        times = [check(run_measured(osc_build(*args), cwd=ROOT), name).seconds
                 for _ in range(runs)]
        # As this session's shells run it: PYTHONDONTWRITEBYTECODE=1, no .pyc at all.
        cold_env = {**child_env(), "PYTHONDONTWRITEBYTECODE": "1"}
        cold_env.pop("PYTHONPYCACHEPREFIX")
        cold = [check(run_measured(osc_build(*args), cwd=ROOT, env=cold_env), name).seconds
                for _ in range(3)]
        results[name] = {"command": "osc-build " + " ".join(args), "seconds": summary(times),
                         "no_bytecode_seconds": summary(cold), "target_seconds": target,
                         "met": None if target is None else summary(times)["median"] <= target}
    results["validate_edited"] = validate_edited(runs)
    results["validate_imports"] = importtime_top(COMMANDS["validate_quickstart"][0])
    results["note"] = (f"median of {runs} runs after 2 warm-up runs, bytecode cached "
                       f"(PYTHONPYCACHEPREFIX); no_bytecode_seconds: PYTHONDONTWRITEBYTECODE=1 "
                       f"as in this machine's shells; cores: {os.cpu_count()}")
    return results
