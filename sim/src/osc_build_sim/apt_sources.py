"""The package archives this machine's own apt configuration names.

Real guest images are bootstrapped from them, and guests may reach only them (through
the archive proxy): they are the one network destination the machine is known to have.
Both one-line (``sources.list``) and deb822 (``*.sources``) formats are read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

APT_DIR = Path("/etc/apt")


@dataclass(frozen=True)
class AptSource:
    uri: str  # http://deb.debian.org/debian
    suites: tuple[str, ...]
    components: tuple[str, ...]

    @property
    def host(self) -> str:
        return (urlsplit(self.uri).hostname or "").lower()


def _one_line(text: str) -> list[AptSource]:
    sources = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] != "deb":
            continue
        words = [w for w in words[1:] if not w.startswith("[") and not w.endswith("]")]
        if len(words) >= 2:
            sources.append(AptSource(words[0].rstrip("/"), (words[1],), tuple(words[2:])))
    return sources


def _deb822(text: str) -> list[AptSource]:
    sources = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled") == "no":
            continue
        for uri in fields.get("uris", "").split():
            sources.append(AptSource(uri.rstrip("/"), tuple(fields.get("suites", "").split()),
                                     tuple(fields.get("components", "").split())))
    return sources


def host_sources(apt_dir: Path = APT_DIR) -> list[AptSource]:
    """Every enabled ``deb`` source of this machine, in apt's reading order."""
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    sources = []
    for path in files:
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError):
            continue
        if path.suffix == ".sources":
            sources += _deb822(text)
        elif path.name == "sources.list" or path.suffix == ".list":
            sources += _one_line(text)
    return sources


def archive_hosts(extra: tuple[str, ...] = ()) -> frozenset[str]:
    """Host names guests may reach: those of this machine's sources, plus ``extra``."""
    return frozenset({s.host for s in host_sources() if s.host} | {h.lower() for h in extra})


def debian_mirrors(sources: list[AptSource] | None = None) -> tuple[str, str] | None:
    """(main archive URI, security archive URI) of Debian in this machine's sources.

    A source is Debian's when its suites are Debian codenames with their usual suffixes;
    the security archive is the one serving ``CODENAME-security``.
    """
    sources = host_sources() if sources is None else sources
    main = security = None
    for source in sources:
        if not {suite.split("-")[0] for suite in source.suites} & DEBIAN_SUITES.keys():
            continue
        if any(s.endswith("-security") for s in source.suites):
            security = security or source.uri
        else:
            main = main or source.uri
    if main is None:
        return None
    return main, security or ""


DEBIAN_SUITES = {"bullseye": "11", "bookworm": "12", "trixie": "13"}
