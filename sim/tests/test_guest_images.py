"""Which image boots what: apt sources read from this machine, image names resolved."""

from __future__ import annotations

import pytest

from osc_build_sim import apt_sources, catalogue, guest_images
from osc_build_sim.config import ConfigError, default_document, parse

ONE_LINE = """# comment
deb http://deb.debian.org/debian bookworm main contrib
deb [arch=amd64 signed-by=/k.gpg] http://security.debian.org/debian-security bookworm-security main
deb-src http://deb.debian.org/debian bookworm main
"""
DEB822 = """Types: deb
URIs: http://mirror.example.org/debian/
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://disabled.example.org/debian
Suites: trixie
Enabled: no
"""


def test_both_apt_source_formats_are_read(tmp_path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text(ONE_LINE)
    (tmp_path / "sources.list.d" / "mirror.sources").write_text(DEB822)
    (tmp_path / "sources.list.d" / "ignored.list.save").write_text("deb http://no.example/ x")
    sources = apt_sources.host_sources(tmp_path)
    assert [(s.uri, s.suites) for s in sources] == [
        ("http://deb.debian.org/debian", ("bookworm",)),
        ("http://security.debian.org/debian-security", ("bookworm-security",)),
        ("http://mirror.example.org/debian", ("trixie", "trixie-updates")),
    ]
    assert apt_sources.debian_mirrors(sources) == (
        "http://deb.debian.org/debian", "http://security.debian.org/debian-security")


def test_a_machine_without_debian_sources_has_no_debian_mirror():
    other = [apt_sources.AptSource("https://deb.nodesource.com/node_20.x", ("nodistro",),
                                   ("main",))]
    assert apt_sources.debian_mirrors(other) is None


@pytest.mark.parametrize(("name", "kind", "suite"), [
    ("Debian-12-2026.01.15-0", "debian", "bookworm"),
    ("Debian-11-2025.12.02-0", "debian", "bullseye"),
    ("Debian-13-2026.01.15-0", "debian", "trixie"),
    ("Minimal-Host-Userland-2026.01.15-0", "minimal", ""),
    ("Windows-Server-2022-Sim-2026.01.20-0", "windows", ""),
    ("Ubuntu-24.04-2026.01.10-0", "unavailable", ""),
    ("RockyLinux-10-2026.01.12-0", "unavailable", ""),
    ("Debian-9-2020.01.01-0", "unavailable", ""),
])
def test_image_names_resolve_to_what_they_boot(name, kind, suite):
    guest = guest_images.resolve(name)
    assert (guest.kind, guest.suite) == (kind, suite)
    assert guest.available == (kind != "unavailable")
    assert bool(guest.reason) == (kind == "unavailable")


def test_every_catalogue_image_either_boots_or_says_why_not():
    for name, *_ in catalogue.PUBLIC_IMAGES:
        description = catalogue.describe(name)
        if guest_images.resolve(name).kind == "windows":  # says it is not Windows
            assert description.startswith(f"{name} (simulated Windows: ")
        elif guest_images.resolve(name).available:
            assert description == name
        else:
            assert description.startswith(f"{name} (cannot boot on this simulator: no package "
                                          "archive for ")
    assert any(name.startswith("Minimal-Host-Userland-") for name, *_ in catalogue.PUBLIC_IMAGES)


def test_archive_proxy_setting_is_checked():
    document = default_document()
    document["machine"] = {"archive_proxy": "sometimes", "archive_hosts": ["pypi.org"]}
    with pytest.raises(ConfigError, match=r'machine\.archive_proxy must be "auto", "on" or'):
        parse(document)
    document["machine"]["archive_proxy"] = "on"
    config = parse(document)
    assert (config.archive_proxy, config.archive_hosts) == ("on", ("pypi.org",))
