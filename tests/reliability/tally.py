"""The counts in benchmarks/reliability.json come from complete runs only.

Tests add what they measured to a section (one aspect: faults, interrupts...). A
section is rewritten only when every test of every file that feeds it ran in the
session: a ``-k`` or ``-m`` selection, a node id, ``-x`` stopping early or a file left
out leaves it as it is, and the terminal summary says why. ``section_files`` names the
files that feed each section; a file that feeds a section it is not listed for blocks
that section too, so a new feeder cannot go unnoticed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest


class Tally:
    """A pytest plugin: ``counts[section][name] += n`` in tests; merged at session end."""

    name = "reliability-tally"

    def __init__(self, report: Path, section_files: dict[str, tuple[str, ...]],
                 directory: Path) -> None:
        self.report = report
        self.section_files = section_files
        self.directory = directory.resolve()
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.tests: dict[str, set[str]] = defaultdict(set)  # file -> every test collected
        self.partial: set[str] = set()  # files collected from a node id (some tests only)
        self.ran: set[str] = set()
        self.fed: dict[str, set[str]] = defaultdict(set)  # section -> files that added to it
        self.notes: list[str] = []

    def _file(self, item: pytest.Item) -> str | None:
        path = Path(str(item.path)).resolve()
        return path.name if path.parent == self.directory else None

    def _add(self, items) -> None:
        for item in items:
            if (name := self._file(item)) is not None:
                self.tests[name].add(item.nodeid)

    # -- collection: which tests each file has, selected or not -----------------------

    def pytest_deselected(self, items) -> None:
        self._add(items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._add(session.items)
        base = session.config.invocation_params.dir
        for arg in session.config.args:
            path, _, rest = str(arg).partition("::")
            if rest:
                resolved = (base / path).resolve()
                if resolved.parent == self.directory:
                    self.partial.add(resolved.name)

    # -- running: which tests ran, which sections each file fed -----------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem):
        before = {section: dict(counts) for section, counts in self.counts.items()}
        try:
            return (yield)
        finally:
            if (name := self._file(item)) is not None:
                for section, counts in self.counts.items():
                    if dict(counts) != before.get(section, {}):
                        self.fed[section].add(name)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.ran.add(report.nodeid)

    # -- the report -------------------------------------------------------------------

    def incomplete(self, section: str) -> str | None:
        """Why ``section`` must not be written, or None when it is complete."""
        files = self.section_files.get(section)
        if files is None:
            return "no files are listed for it in SECTION_FILES"
        strays = sorted(self.fed[section] - set(files))
        if strays:
            return f"{', '.join(strays)} fed it but SECTION_FILES does not list them"
        reasons = []
        for name in files:
            tests = self.tests.get(name)
            if not tests:
                reasons.append(f"{name} was not run")
            elif name in self.partial:
                reasons.append(f"{name} was run by node id (some tests only)")
            elif missing := tests - self.ran:
                reasons.append(f"{len(missing)} of {len(tests)} tests of {name} did not run")
        return "; ".join(reasons) or None

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        written = {}
        for section in sorted(self.counts):
            why = self.incomplete(section)
            if why is None:
                written[section] = dict(sorted(self.counts[section].items()))
            else:
                self.notes.append(f"{section}: left untouched ({why})")
        if not written:
            return
        try:
            report = json.loads(self.report.read_text())
        except (OSError, ValueError):
            report = {}
        report.update(written)
        self.report.parent.mkdir(parents=True, exist_ok=True)
        self.report.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        self.notes[:0] = [f"{section}: written (complete run)" for section in written]

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.notes:
            terminalreporter.write_sep("-", f"{self.report.name} (counts of complete runs)")
            for note in self.notes:
                terminalreporter.write_line(note)
