"""2-6. Builds on the simulator: first request, overhead, API calls, parallel builds, memory."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from common import PYTHON, check, child_env, osc_build, run_measured, summary
from simlog import arrival, calls_by_operation, last_seq, requests_since, waits
from templates import bsu_template

from osc_build_sim.profiles import timings
from osc_build_sim.testing import running_simulator

# The Go plugin's way, for comparison: every wait polls every 2 seconds.
FIXED_TWO_SECONDS = """
import itertools, sys
from osc_build_outscale.cloud.schedule import Pace
Pace.schedule = lambda self, expected: itertools.repeat(2.0)
from osc_build.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _build(sim, workdir: Path, template: str, *, fixed_poll: bool = False):
    """One ``osc-build build --local`` on ``sim``: (measurement, its request log)."""
    path = workdir / f"bench-{time.monotonic_ns()}.pkr.hcl"
    path.write_text(template)
    args = ["build", "--local", str(path)]
    command = [PYTHON, "-c", FIXED_TWO_SECONDS, *args] if fixed_poll else osc_build(*args)
    since = last_seq(sim)
    measured = check(run_measured(command, cwd=workdir,
                                  env=child_env(OSC_BUILD_SIM_DATA=str(sim.data_dir))),
                     "osc-build build")
    return measured, requests_since(sim, since)


def first_request(workdir: Path, runs: int = 9) -> dict:
    """2. From process start to the build's first API request (target <= 400 ms)."""
    delays = []
    with running_simulator(workdir / "sim-first", profile="instant") as sim:
        for _ in range(runs):
            measured, log = _build(sim, workdir, bsu_template(ssh=False))
            delays.append(arrival(log[0]) - measured.started_at)
    result = summary(delays)
    return {"seconds": result, "target_seconds": 0.400, "met": result["median"] <= 0.400}


def instant_build(workdir: Path, runs: int = 5) -> dict:
    """3. A bsu build on `instant` with a one-line shell provisioner: pure tool overhead."""
    walls, rss, log = [], [], []
    with running_simulator(workdir / "sim-instant", profile="instant",
                           backend="machine") as sim:
        _build(sim, workdir, bsu_template())  # warm: the public image's disk is made once
        for _ in range(runs):
            measured, log = _build(sim, workdir, bsu_template())
            walls.append(measured.seconds)
            rss.append(measured.max_rss_mib)
        eight, _ = _build(sim, workdir, bsu_template(8))
    return {"seconds": summary(walls), "peak_rss_mib": summary(rss, 1),
            "calls_by_operation": calls_by_operation(log), "calls": len(log),
            "eight_parallel": {"seconds": round(eight.seconds, 2),
                               "peak_rss_mib": round(eight.max_rss_mib, 1)}}


def realistic_build(workdir: Path, *, fixed_poll: bool = False) -> dict:
    """3-4. One bsu build on `realistic` (no communicator): overhead, calls, detection."""
    profile = timings("realistic", {})
    with running_simulator(workdir / f"sim-real-{int(fixed_poll)}", profile="realistic") as sim:
        measured, log = _build(sim, workdir, bsu_template(ssh=False), fixed_poll=fixed_poll)
    seen = waits(log, profile)
    critical = sum(wait["seconds"] for wait in seen)
    polls = sum(wait["polls"] for wait in seen)
    return {"seconds": round(measured.seconds, 2), "critical_path_s": critical,
            "overhead_s": round(measured.seconds - critical, 2),
            "overhead_pct": round(100 * (measured.seconds - critical) / critical, 2),
            "calls": len(log), "poll_calls": polls, "other_calls": len(log) - polls,
            "calls_by_operation": calls_by_operation(log), "waits": seen,
            "mean_detection_latency_s": round(
                sum(w["detection_latency_s"] for w in seen) / max(len(seen), 1), 3),
            "peak_rss_mib": round(measured.max_rss_mib, 1)}


def parallel(workdir: Path, counts: tuple[int, ...] = (1, 4, 8, 16)) -> dict:
    """5-6. N sources in one build on `realistic`: wall time against 1, peak RSS."""
    results: dict[str, dict] = {}
    for count in counts:
        with running_simulator(workdir / f"sim-par-{count}", profile="realistic") as sim:
            measured, log = _build(sim, workdir, bsu_template(count, ssh=False))
        results[str(count)] = {"seconds": round(measured.seconds, 2), "calls": len(log),
                               "peak_rss_mib": round(measured.max_rss_mib, 1)}
    base = results[str(counts[0])]["seconds"]
    for entry in results.values():
        entry["ratio_to_1"] = round(entry["seconds"] / base, 3)
    ratio = results.get("8", {}).get("ratio_to_1")
    return {"by_sources": results, "target_ratio_8": 1.3,
            "met": None if ratio is None else ratio <= 1.3}


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="osc-build-bench-"))
