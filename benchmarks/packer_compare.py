"""8. osc-build against Debian's packer: `validate` and `version`, interleaved, ratio of medians.

Debian's `packer` package is downloaded (`apt-get download`) and unpacked (`dpkg-deb -x`) into
a cache directory: nothing is installed on the system. Debian builds packer 1.6.6 without the
OUTSCALE builders, so packer validates the quickstart rewritten for amazon-ebs (of which osc-bsu
is a fork): the same variables, source shape and provisioner, with Amazon's option names.

Both run as a user runs them: the `osc-build` console script with its bytecode cached (warm-up
runs write it), the `packer` binary; no network (checkpoint disabled, dummy credentials).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from common import ROOT, check, child_env, load, run_measured, summary

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "osc-build-bench"
QUICKSTART = ROOT / "examples" / "quickstart.pkr.hcl"
TEMPLATE = CACHE / "quickstart-amazon-ebs.pkr.hcl"
# examples/quickstart.pkr.hcl -> the same template for packer 1.6.6's amazon-ebs
AMAZON_NAMES = (
    ('"outscale-bsu"', '"amazon-ebs"'), ("source.outscale-bsu.", "source.amazon-ebs."),
    ('  region  = var.region', '  region        = var.region'),
    ('vm_type = "tinav7.c1r1p1"', 'instance_type = "t3.micro"'),
    ("source_omi_filter", "source_ami_filter"),
    ('image-name = "Debian-12-*"', 'name = "debian-12-*"'),
    ('"Outscale"', '"136693071363"'), ("omi_name     =", "ami_name     ="),
    ("SourceOMI", "SourceAMI"),
)
PAIRS = {
    "validate": (["validate", "examples/quickstart.pkr.hcl"], ["validate", str(TEMPLATE)]),
    "version": (["version"], ["version"]),
}


def amazon_template() -> Path:
    """TEMPLATE written from the quickstart (each renaming must apply: a changed quickstart
    fails here rather than comparing different templates)."""
    text = QUICKSTART.read_text()
    for old, new in AMAZON_NAMES:
        if old not in text:
            raise RuntimeError(f"{QUICKSTART}: {old!r} not found; update AMAZON_NAMES")
        text = text.replace(old, new)
    # Packer 1.6.6 predates required_plugins (its builders were built in): drop the block.
    text = re.sub(r"(?ms)^packer \{\n.*?^\}\n\n?", "", text, count=1)
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_text(text)
    return TEMPLATE


def packer() -> Path:
    """The packer binary of Debian's package, downloaded and unpacked into CACHE once."""
    binary = CACHE / "packer-deb" / "usr" / "bin" / "packer"
    if binary.exists():
        return binary
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", "packer"], cwd=CACHE, check=True,
                   stdout=subprocess.DEVNULL)
    debs = sorted(CACHE.glob("packer_*.deb"), key=lambda path: path.stat().st_mtime)
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(CACHE / "packer-deb")], check=True)
    return binary


def packer_env() -> dict[str, str]:
    return child_env(PACKER_CHECKPOINT_DISABLE="1", AWS_ACCESS_KEY_ID="AKIAEXAMPLEEXAMPLE00",
                     AWS_SECRET_ACCESS_KEY="dummy", AWS_EC2_METADATA_DISABLED="true")


def osc_build_script() -> str:
    """The console script a user runs (not `python -m`)."""
    return str(Path(sys.executable).parent / "osc-build")


def interleaved(ours: list[str], theirs: list[str], runs: int) -> dict:
    """A B B A A B ...: both see the same load; wall and CPU (user + sys) time of each run."""
    env = packer_env()
    for _ in range(2):  # warm-up: bytecode written, files in the page cache
        check(run_measured(ours, cwd=ROOT, env=env), " ".join(ours))
        check(run_measured(theirs, cwd=ROOT, env=env), " ".join(theirs))
    times: dict[str, list[float]] = {"ours": [], "theirs": [], "ours_cpu": [], "theirs_cpu": []}
    for run in range(runs):
        pair = (("ours", ours), ("theirs", theirs))
        for side, args in pair if run % 2 == 0 else pair[::-1]:  # A B B A: no side always first
            measured = check(run_measured(args, cwd=ROOT, env=env), " ".join(args))
            times[side].append(measured.seconds)
            times[f"{side}_cpu"].append(measured.cpu_seconds)
    wall = {side: summary(times[side]) for side in ("ours", "theirs")}
    cpu = {side: summary(times[f"{side}_cpu"]) for side in ("ours", "theirs")}
    return {"osc_build_seconds": wall["ours"], "packer_seconds": wall["theirs"],
            "osc_build_cpu_seconds": cpu["ours"], "packer_cpu_seconds": cpu["theirs"],
            "ratio": round(wall["ours"]["median"] / wall["theirs"]["median"], 3),
            "cpu_ratio": round(cpu["ours"]["median"] / cpu["theirs"]["median"], 3),
            "target_ratio": 1.0}


def run(runs: int = 21) -> dict:
    binary = packer()
    amazon_template()
    version = check(run_measured([str(binary), "version"], env=packer_env()), "packer version")
    results: dict = {"packer": version.output.strip().splitlines()[0],
                     "load_before": load(), "cores": os.cpu_count()}
    for name, (ours, theirs) in PAIRS.items():
        entry = interleaved([osc_build_script(), *ours], [str(binary), *theirs], runs)
        entry.update(command=f"osc-build {' '.join(ours)}",
                     packer_command=f"packer {' '.join(theirs)}".replace(str(TEMPLATE),
                                                                       TEMPLATE.name),
                     met=entry["ratio"] <= entry["target_ratio"])
        results[name] = entry
    results["load_after"] = load()
    results["note"] = (f"{runs} interleaved runs each (osc-build, packer, packer, osc-build, "
                       f"...) after 2 warm-ups; ratio = median osc-build / median packer "
                       f"(wall), cpu_ratio the same for user + sys CPU time")
    return results
