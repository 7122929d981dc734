"""What every benchmark shares: child-process runs with peak memory, medians, the machine."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# Bytecode goes to a cache of our own: the numbers are those of an installed tool (which has
# its .pyc files), without writing __pycache__ into the source tree.
PYCACHE = Path(tempfile.gettempdir()) / "osc-build-bench-pycache"


def child_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "OSC_BUILD_LOG")}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.update(extra)
    return env


@dataclass
class Measured:
    returncode: int
    seconds: float
    max_rss_mib: float
    output: str
    started_at: float  # time.time() just before the process was started
    cpu_seconds: float = 0.0  # its own user + system CPU time


def run_measured(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
                 timeout: float = 900.0) -> Measured:
    """Run a command; its wall time and its own peak RSS (wait4, not all children)."""
    with tempfile.TemporaryFile() as out:
        started_at = time.time()
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env or child_env(), cwd=cwd, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    return Measured(process.returncode, seconds, usage.ru_maxrss / 1024, output, started_at,
                    usage.ru_utime + usage.ru_stime)


def osc_build(*args: str) -> list[str]:
    return [PYTHON, "-m", "osc_build", *args]


def median(values: list[float]) -> float:
    return statistics.median(values)


def summary(values: list[float], digits: int = 4) -> dict:
    return {"median": round(median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "runs": len(values)}


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = "?"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        mem_kib = int(handle.readline().split()[1])
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "system": platform.platform()}


def check(measured: Measured, what: str) -> Measured:
    if measured.returncode != 0:
        raise RuntimeError(f"{what} failed ({measured.returncode}):\n{measured.output[-3000:]}")
    return measured
