"""``osc-build version`` parses and reads its version without the whole CLI: same results."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from osc_build import cli
from osc_build.cli.version import installed_version


@pytest.mark.parametrize("argv", [["version"], ["version", "-machine-readable"],
                                  ["version", "--machine-readable"]])
def test_version_alone_parses_as_the_full_parser(argv):
    assert cli._only_version(argv)
    fast = cli._version_parser().parse_args(argv)
    full = cli.build_parser().parse_args(argv)
    assert (fast.command, fast.func, fast.machine_readable) == (
        full.command, full.func, full.machine_readable)


@pytest.mark.parametrize("argv", [[], ["version", "-x"], ["version", "-h"], ["--debug", "version"],
                                  ["validate", "version"], ["version", "extra"]])
def test_anything_else_gets_the_full_parser(argv):
    assert not cli._only_version(argv)


@pytest.mark.parametrize("name", ["osc-build-core", "osc_build.core", "marshmallow", "pluggy",
                                  "python-hcl2"])
def test_installed_version_is_importlib_metadata_s(name):
    assert installed_version(name) == version(name)


def test_a_missing_distribution_raises_as_importlib_metadata():
    from importlib.metadata import PackageNotFoundError

    with pytest.raises(PackageNotFoundError):
        installed_version("osc-build-not-installed")
