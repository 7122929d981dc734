"""The osc-build command, run as a user runs it, with the fake third-party plugin."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("marshmallow", "osc_sdk_python", "fabric", "paramiko", "requests")


@pytest.mark.parametrize("args", [["--help"], ["version"]])
def test_help_and_version_import_nothing_heavy(args):
    code = ("import sys\nfrom osc_build.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY="


def test_version(run_cli):
    result = run_cli("version")
    assert result.returncode == 0
    assert result.stdout.startswith("osc-build 0.1")


def test_plugins_lists_components_with_distribution_and_problems(run_cli, fake_plugins):
    result = run_cli("plugins", "--json", pythonpath=[fake_plugins])
    assert result.returncode == 0, result.stderr
    rows = {(r["kind"], r["name"], r["distribution"]): r["status"]
            for r in json.loads(result.stdout)}
    assert rows[("builder", "fake-local", "osc-build-fake")] == "ok"
    assert rows[("provisioner", "fake-shell", "osc-build-fake")] == "ok"
    assert rows[("plugin", "fake", "osc-build-fake")] == "ok"
    assert "No module named 'osc_build_fake.not_there'" in rows[
        ("builder", "fake-broken", "osc-build-fake")]
    assert rows[("builder", "fake-twin", "osc-build-fake-twin")].startswith("conflict")
    assert "missing_hooks" in rows[("plugin", "fake-broken-hooks", "osc-build-fake")]


def test_template_free_build_runs_steps_hooks_and_provisioners(run_cli, fake_plugins, tmp_path):
    trace = tmp_path / "trace"
    out = tmp_path / "out"
    result = run_cli("--builder", "fake-local", "--set", f"output_dir={out}",
                     "--set", "content=built by osc-build",
                     pythonpath=[fake_plugins], env={"OSC_BUILD_FAKE_TRACE": str(trace)})
    assert result.returncode == 0, result.output
    assert (out / "content.txt").read_text() == "built by osc-build"
    assert f"--> fake-local.cli: local: {out}" in result.stdout
    assert trace.read_text().splitlines() == [
        "prepare fake-local.cli",
        "step fake-local.cli create workdir",
        "step fake-local.cli launch machine",
        "step fake-local.cli provision",
        "step fake-local.cli save output",
        f"artifact fake-local.cli local:{out}",
    ]
    # The broken hooks module of the same distribution is reported, once, and harmless.
    assert result.stderr.count("plugin 'fake-broken-hooks' from osc-build-fake 1.0 failed") == 1
    assert "deleted workdir" in result.stderr


@pytest.mark.parametrize("step", ["launch machine", "provision", "save output"])
def test_failure_at_any_step_deletes_every_temporary_resource(run_cli, fake_plugins, tmp_path,
                                                              step):
    out = tmp_path / "out"
    result = run_cli("--builder", "fake-local", "--set", f"output_dir={out}",
                     pythonpath=[fake_plugins],
                     env={"OSC_BUILD_FAULT_STEP": step, "TMPDIR": str(tmp_path)})
    assert result.returncode == 1
    assert f"--> fake-local.cli: step {step!r}: fault injected" in result.stdout
    assert "Traceback" not in result.output
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_provisioner_failure_keeps_original_error(run_cli, fake_plugins, tmp_path):
    out = tmp_path / "out"
    config = tmp_path / "options.json"
    config.write_text(json.dumps({"output_dir": str(out)}))
    work = tmp_path / "tmp"
    work.mkdir()
    result = run_cli("--builder", "fake-local", "--config", str(config),
                     "--provisioner", 'fake-shell={"inline": ["test -f content.txt", "exit 3"]}',
                     pythonpath=[fake_plugins], env={"TMPDIR": str(work)})
    assert result.returncode == 1
    assert ("--> fake-local.cli: provisioner 'fake-shell' failed: command 'exit 3' exited "
            "with status 3") in result.stdout
    assert list(work.iterdir()) == [] and not out.exists()


def test_unknown_builder_is_one_clear_error(run_cli, fake_plugins):
    result = run_cli("--builder", "fake-locl", pythonpath=[fake_plugins])
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: unknown builder 'fake-locl'; installed: example-omi-copy, "
                           "fake-broken, fake-local, fake-twin")
    assert last.endswith(" (did you mean 'fake-local'?)")
    assert "Traceback" not in result.stderr


def test_bad_options_name_the_option_and_make_nothing(run_cli, fake_plugins, tmp_path):
    result = run_cli("--builder", "fake-local", "--set", f"output_dir={tmp_path / 'o'}",
                     "--set", "contnet=x", pythonpath=[fake_plugins],
                     env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 1
    assert ("Error: --set/--config: contnet: unknown option (did you mean 'content'?)"
            in result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_bad_set_syntax(run_cli, fake_plugins):
    result = run_cli("--builder", "fake-local", "--set", "novalue", pythonpath=[fake_plugins])
    assert result.returncode == 1
    assert "--set 'novalue': expected KEY=VALUE" in result.stderr


def test_debug_shows_traceback_for_handled_errors(run_cli, fake_plugins):
    result = run_cli("--debug", "--builder", "fake-locl", pythonpath=[fake_plugins])
    assert result.returncode == 1
    assert "Traceback" in result.stderr


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGINT", "SIGINT-ignored-at-start"])
def test_interrupt_during_provisioning_cleans_up(fake_plugins, tmp_path, signum):
    """Also when started with SIGINT ignored (a script's background job), as Packer."""
    import os
    import signal
    import time

    def ignore_sigint():
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    out = tmp_path / "out"
    work = tmp_path / "tmp"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(fake_plugins), "TMPDIR": str(work)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "osc_build", "--builder", "fake-local", "--set",
         f"output_dir={out}",
         "--provisioner", 'fake-shell={"inline": ["touch started; sleep 30"]}'],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=ignore_sigint if signum.endswith("ignored-at-start") else None)
    deadline = time.monotonic() + 30
    while not list(work.glob("*/machine/started")):
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(getattr(signal, signum.split("-")[0]))
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "deleted machine" in stderr and "deleted workdir" in stderr
    assert list(work.iterdir()) == [] and not out.exists()
