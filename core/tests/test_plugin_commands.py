"""Plugins add commands through the ``osc_build.commands`` entry-point group."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

COMMAND = '''
"""A plugin's command: greets, and proves its arguments reach it."""


def add_parser(subparsers):
    parser = subparsers.add_parser("hello", help="greet from a plugin")
    parser.add_argument("--name", default="world")
    parser.set_defaults(func=run)


def run(args):
    print(f"hello {args.name} from a plugin")
    return 3
'''


@pytest.fixture
def command_plugin(tmp_path):
    """A distribution on PYTHONPATH whose entry point adds ``osc-build hello`` (and tries
    to replace ``version``, which a plugin may not)."""
    (tmp_path / "osc_build_hello.py").write_text(COMMAND)
    info = tmp_path / "osc_build_hello-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: osc-build-hello\n"
                                   "Version: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""\
        [osc_build.commands]
        hello = osc_build_hello
        version = osc_build_hello
        broken = osc_build_not_there
        """))
    return tmp_path


def test_a_plugin_adds_a_command(run_cli, command_plugin):
    result = run_cli("hello", "--name", "Ada", pythonpath=[command_plugin])
    assert result.stdout == "hello Ada from a plugin\n", result.stderr
    assert result.returncode == 3
    listed = run_cli("--help", pythonpath=[command_plugin])
    assert "greet from a plugin" in listed.stdout


def test_a_plugin_cannot_replace_a_core_command_nor_break_the_cli(run_cli, command_plugin):
    result = run_cli("version", pythonpath=[command_plugin])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("osc-build "), result.stdout  # core's, not the plugin's
    listed = run_cli("--help", pythonpath=[command_plugin])  # builds every command's parser
    assert listed.returncode == 0, listed.stderr
    assert "cannot load command 'broken'" in listed.stderr


def test_help_still_imports_nothing_heavy_with_plugin_commands(command_plugin):
    code = ("import sys\nfrom osc_build.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('HEAVY=' + ','.join(m for m in ('marshmallow', 'osc_sdk_python', 'requests')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(command_plugin)}).stdout
    assert out.strip().splitlines()[-1] == "HEAVY="
