"""The host VM's metadata service serves exactly the paths docs/simulator-fidelity.md lists."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from osc_build_sim.machine.cleanup import HostLinks
from osc_build_sim.machine.hostvm import HostVm

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator-fidelity.md"
_ROW = re.compile(r"^\| metadata path `([^`]+)`[^|]*\|[^|]*\| *(.+?) *\|$")


def documented() -> tuple[set[str], set[str]]:
    """(paths served, paths not served), from the fidelity document's metadata rows."""
    served, absent = set(), set()
    for line in DOC.read_text().splitlines():
        if match := _ROW.match(line):
            path, status = match.groups()
            (absent if status.startswith("not served") else served).add(path)
    return served, absent


@pytest.fixture
def metadata_url(tmp_path):
    vm = HostVm("i-0000beef", "eu-west-2", "eu-west-2b", HostLinks(tmp_path / "links.json"),
                ("127.0.0.1", 0))
    try:
        yield vm.metadata_url
    finally:
        vm.close()


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def crawl(base: str, prefix: str = "") -> set[str]:
    """Every path reachable from the root listing (directories with their trailing /)."""
    found = set()
    for entry in _get(base + prefix).splitlines():
        path = prefix + entry
        found.add(path)
        if entry.endswith("/"):
            found |= crawl(base, path)
    return found


def test_the_document_lists_metadata_paths():
    served, absent = documented()
    assert "placement/availability-zone" in served and "instance-id" in served
    assert "placement/region" in absent


def test_served_paths_are_exactly_the_documented_ones(metadata_url):
    served, _ = documented()
    assert crawl(metadata_url) == served


def test_documented_absent_paths_answer_404(metadata_url):
    _, absent = documented()
    for path in absent:
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _get(metadata_url + path)


def test_values_describe_the_vm(metadata_url):
    assert _get(metadata_url + "instance-id") == "i-0000beef"
    assert _get(metadata_url + "placement/availability-zone") == "eu-west-2b"
    assert _get(metadata_url + "local-ipv4") == "127.0.0.1"
    assert _get(metadata_url + "hostname") == _get(metadata_url + "local-hostname")
    assert _get(metadata_url + "block-device-mapping/root") == "/dev/sda1"
