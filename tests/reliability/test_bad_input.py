"""Each malformed input gives one clear error, exit 1, no traceback, and no API request."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .bad_input_cases import CASES
from .conftest import clean_env


def materialize(text: str, directory) -> str:
    return text.replace("{dir}", str(directory))


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_fails_clearly(sim, tmp_path, case, tally):
    for name, text in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(materialize(text, tmp_path))
    args = [materialize(arg, tmp_path) for arg in case.args]
    if case.local and args[0] == "build":
        args.insert(1, "--local")
    env = clean_env(OSC_BUILD_SIM_DATA=str(sim.data_dir),
                    **{k: materialize(v, tmp_path) for k, v in case.env.items()})
    if not case.local:
        env.setdefault("OSC_ENDPOINT_API", sim.endpoint)  # any request would be logged
    before = len(sim.requests())
    proc = subprocess.run([sys.executable, "-m", "osc_build", *args], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=60)
    tally["bad_input"]["cases"] += 1
    # One error: an ``Error:`` line, or (found by a build step before any call) the
    # build's one-line reason in the summary.
    errors = ([line for line in proc.stderr.splitlines() if line.startswith("Error: ")]
              or [line for line in proc.stdout.splitlines() if line.startswith("--> ")])
    output = proc.stdout + proc.stderr
    requests = len(sim.requests()) - before
    tally["bad_input"]["requests_reaching_simulator"] += requests
    clear = (proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
             and bool(errors) and all(f in "\n".join(errors) for f in case.expect))
    tally["bad_input"]["clear_errors" if clear else "unclear_errors"] += 1
    assert "Traceback" not in output, output
    assert proc.returncode == 1, output
    assert errors, output
    for fragment in case.expect:
        assert fragment in "\n".join(errors), output
    assert requests == 0, f"{requests} requests reached the simulator\n{output}"


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 100
    assert len({case.id for case in CASES}) == len(CASES)
