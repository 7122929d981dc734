"""8. omi_regions: the time one build adds per destination Region (export once, import in
each Region in parallel), on the `realistic` profile scaled by ``scale``."""

from __future__ import annotations

import time
from pathlib import Path

from common import check, child_env, load, osc_build, run_measured
from simlog import arrival, last_seq, requests_since

from osc_build_sim.config import default_document
from osc_build_sim.profiles import timings
from osc_build_sim.testing import running_simulator

REGIONS = {"eu-west-2": {"subregions": ["a"]}, "us-east-2": {"subregions": ["a"]},
           "ap-northeast-1": {"subregions": ["a"]}}
TEMPLATE = """
source "outscale-bsu" "main" {
  region  = "eu-west-2"
  vm_type = "tinav7.c1r1p1"
  source_omi_filter {
    filters     = { image-name = "Debian-12-*" }
    owners      = ["Outscale"]
    most_recent = true
  }
  communicator = "none"
  omi_name     = "bench-regions-%(run)s"
  omi_regions  = [%(regions)s]
}
build {
  sources = ["source.outscale-bsu.main"]
}
"""


def copy_cost(workdir: Path, *, scale: float = 1.0) -> dict:
    """Builds with 0, 1 and 2 destination Regions; seconds added by each Region."""
    scaled = {name: seconds * scale for name, seconds in timings("realistic", {}).items()}
    found: dict[str, float] = {}
    copy: dict[str, float] = {}
    started_load = load()
    with running_simulator(workdir / "sim-regions", profile="realistic",
                           config={**default_document(), "regions": REGIONS,
                                   "timings": scaled}) as sim:
        for count in (0, 1, 2):
            regions = ", ".join(f'"{r}"' for r in list(REGIONS)[1:1 + count])
            path = workdir / f"bench-regions-{count}.pkr.hcl"
            path.write_text(TEMPLATE % {"run": f"{count}-{time.monotonic_ns()}",
                                        "regions": regions})
            since = last_seq(sim)
            measured = check(run_measured(osc_build("build", "--local", str(path)),
                                          cwd=workdir,
                                          env=child_env(OSC_BUILD_SIM_DATA=str(sim.data_dir))),
                             f"osc-build build with {count} omi_regions")
            found[str(count)] = round(measured.seconds, 2)
            copy[str(count)] = copy_span(requests_since(sim, since))
    transfer = scaled["export"] + scaled["image_import"]
    return {"scale": scale, "seconds_by_regions": found, "copy_step_s": copy,
            "added_first_region_s": round(found["1"] - found["0"], 2),
            "added_second_region_s": round(found["2"] - found["1"], 2),
            "simulated_export_plus_import_s": round(transfer, 2),
            "load_at_start": started_load, "load_at_end": load()}


def copy_span(log: list[dict]) -> float:
    """Seconds from the export's request to the last request in a destination Region."""
    exports = [e for e in log if e["operation"] == "CreateImageExportTask"]
    if not exports:
        return 0.0
    start = arrival(exports[0])
    build_region = exports[0]["region"]
    ends = [e["time"] for e in log if e["region"] != build_region and e["time"] > start]
    return round(max(ends, default=start) - start, 2)


def markdown(result: dict) -> list[str]:
    by = result["seconds_by_regions"]
    return ["## 8. omi_regions: time added per destination Region", "",
            f"One bsu build (no communicator) on the `realistic` profile scaled by "
            f"{result['scale']} ({result['simulated_export_plus_import_s']} s of "
            "simulated export + import timings); the export runs once, the imports in "
            "parallel.", "",
            f"Load average at start {result.get('load_at_start')}, at the end "
            f"{result.get('load_at_end')}. {result.get('note', '')}".rstrip(), "",
            "| Destination Regions | Build (s) | Added to the build (s) | Export to last import "
            "(s) |", "| --- | --- | --- | --- |",
            f"| 0 | {by['0']} | - | - |",
            f"| 1 | {by['1']} | {result['added_first_region_s']} | "
            f"{result['copy_step_s']['1']} |",
            f"| 2 | {by['2']} | {result['added_second_region_s']} | "
            f"{result['copy_step_s']['2']} |"]
