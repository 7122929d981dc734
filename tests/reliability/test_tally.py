"""benchmarks/reliability.json: a section is rewritten only by a complete run of its files.

Each case runs pytest in a subprocess on a small suite that feeds two sections through
the real ``Tally`` plugin, with a report file of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CONFTEST = f"""
import sys
import pytest
sys.path.insert(0, {str(HERE)!r})
from tally import Tally

FILES = {{"alpha": ("test_a.py", "test_b.py"), "beta": ("test_b.py",)}}

def pytest_configure(config):
    config.pluginmanager.register(
        Tally(config.rootpath / "report.json", FILES, config.rootpath), Tally.name)

@pytest.fixture(scope="session")
def tally(pytestconfig):
    return pytestconfig.pluginmanager.get_plugin(Tally.name).counts
"""
TEST_A = """
import pytest

@pytest.mark.parametrize("n", [1, 2, 3])
def test_one(tally, n):
    tally["alpha"]["runs"] += 1
"""
TEST_B = """
def test_two(tally):
    tally["alpha"]["runs"] += 1
    tally["beta"]["leaks"] += 0
"""
TEST_STRAY = """
def test_three(tally):
    tally["alpha"]["runs"] += 1
"""
OLD = {"alpha": {"runs": 99}, "beta": {"leaks": 7}, "other": {"kept": 1}}


@pytest.fixture
def suite(tmp_path):
    for name, text in {"conftest.py": CONFTEST, "test_a.py": TEST_A, "test_b.py": TEST_B,
                       "report.json": json.dumps(OLD)}.items():
        (tmp_path / name).write_text(text)

    def run(*args: str) -> tuple[dict, str]:
        result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                                 "--rootdir", str(tmp_path), "-c", str(tmp_path / "none.ini"),
                                 *args], cwd=tmp_path, capture_output=True, text=True,
                                timeout=120)
        assert result.returncode in (0, 1, 5), result.stdout + result.stderr
        return json.loads((tmp_path / "report.json").read_text()), result.stdout

    (tmp_path / "none.ini").write_text("[pytest]\n")
    return run


def test_a_complete_run_rewrites_every_section_it_fed(suite):
    report, out = suite()
    assert report == {"alpha": {"runs": 4}, "beta": {"leaks": 0}, "other": {"kept": 1}}
    assert "alpha: written (complete run)" in out and "beta: written (complete run)" in out


def test_a_selection_leaves_its_section_untouched_and_says_why(suite):
    report, out = suite("-k", "test_one and 1")
    assert report == OLD
    assert ("alpha: left untouched (2 of 3 tests of test_a.py did not run; "
            "1 of 1 tests of test_b.py did not run)") in out


def test_one_file_rewrites_only_the_sections_it_feeds_alone(suite):
    report, out = suite("test_b.py")
    assert report == {**OLD, "beta": {"leaks": 0}}  # alpha needs test_a.py as well
    assert "beta: written (complete run)" in out
    assert "alpha: left untouched (test_a.py was not run)" in out


def test_a_node_id_is_a_partial_run(suite):
    report, out = suite("test_a.py::test_one", "test_b.py")
    assert report["alpha"] == OLD["alpha"]
    assert "alpha: left untouched (test_a.py was run by node id (some tests only))" in out


def test_a_run_stopped_early_is_partial(suite, tmp_path):
    (tmp_path / "test_a.py").write_text(TEST_A + "    assert n != 2\n")
    report, out = suite("-x")
    assert report["alpha"] == OLD["alpha"]
    assert "alpha: left untouched (1 of 3 tests of test_a.py did not run; " in out


def test_a_file_feeding_an_unlisted_section_blocks_it(suite, tmp_path):
    (tmp_path / "test_stray.py").write_text(TEST_STRAY)
    report, out = suite()
    assert report == {**OLD, "beta": {"leaks": 0}}
    assert "alpha: left untouched (test_stray.py fed it but SECTION_FILES does not list " \
           "them)" in out
