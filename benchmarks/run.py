"""Run every benchmark; write benchmarks/results.json and benchmarks/RESULTS.md.

    uv run python benchmarks/run.py                  # everything (about 15 minutes)
    uv run python benchmarks/run.py --only cli,sim   # some sections; the others are kept

Not part of the test suite (no timed assertions there): pytest never collects this folder.
Run it on a quiet machine: the load average before and after each section is recorded with
its numbers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import builds  # noqa: E402
import cli_start  # noqa: E402
import packer_compare  # noqa: E402
import simulator  # noqa: E402
from common import load, machine  # noqa: E402
from report import markdown  # noqa: E402

SECTIONS = ("cli", "packer", "first", "instant", "realistic", "parallel", "sim", "guest")


def _realistic(workdir: Path) -> dict:
    """Ours and the fixed 2 s poll side by side (each on its own simulator; both mostly wait)."""
    with ThreadPoolExecutor(2) as pool:
        ours = pool.submit(builds.realistic_build, workdir)
        fixed = pool.submit(builds.realistic_build, workdir, fixed_poll=True)
        return {"realistic_build": ours.result(), "realistic_build_fixed_poll": fixed.result()}


def run(sections: tuple[str, ...], workdir: Path) -> dict:
    found: dict = {}
    steps = {
        "cli": lambda: {"cli_start": cli_start.run()},
        "packer": lambda: {"packer_compare": packer_compare.run()},
        "first": lambda: {"first_request": builds.first_request(workdir)},
        "instant": lambda: {"instant_build": builds.instant_build(workdir)},
        "realistic": lambda: _realistic(workdir),
        "parallel": lambda: {"parallel": builds.parallel(workdir)},
        "sim": lambda: {"simulator_reads": simulator.read_throughput(workdir),
                        "simulator_boot": simulator.boot_to_ssh(workdir),
                        "simulator_snapshot": simulator.sparse_snapshot(workdir),
                        "simulator_memory": simulator.memory_with_vms(workdir)},
        "guest": lambda: {"real_guest": simulator.real_guest(workdir)},
    }
    measured: dict = {}
    for name in sections:
        started = time.monotonic()
        print(f"==> {name}...", flush=True)
        load_before = load()
        found.update(steps[name]())
        measured[name] = {"load_before": load_before, "load_after": load(),
                          "finished_at": _now()}
        print(f"    done in {time.monotonic() - started:.0f} s", flush=True)
    found["sections"] = measured
    return found


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections among {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    sections = tuple(name.strip() for name in args.only.split(",") if name.strip())
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; known: {', '.join(SECTIONS)}")
    results_path = HERE / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    # Only what runs measured: the load of each section is kept with its numbers.
    results.pop("load_note", None)
    kept = {name: entry for name, entry in results.pop("sections", {}).items()
            if name not in sections}
    results.update(machine=machine(), load_at_start=load())
    workdir = builds.workdir()
    try:
        results.update(run(sections, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    results["sections"] = {**kept, **results.get("sections", {})}
    results.update(load_at_end=load(), finished_at=_now())
    results_path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (HERE / "RESULTS.md").write_text(markdown(results))
    print(f"wrote {results_path} and {HERE / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
