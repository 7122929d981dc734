"""Which root filesystem each public image name boots, or why it cannot boot here.

Debian images are real Debian releases bootstrapped from the archive this machine's apt
sources name; ``Minimal-Host-Userland-*`` is this machine's own binaries (fast, no init,
no package manager). ``Windows-Server-2022-Sim-*`` boots that userland too, with WinRM
served for it and Windows commands interpreted (``machine.windows``). Other
distributions need an archive this machine cannot reach: they are listed in the
catalogue but refuse to boot, saying why, rather than boot another distribution's files
under their name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from osc_build_sim.apt_sources import DEBIAN_SUITES, debian_mirrors

MINIMAL_PREFIX = "Minimal-Host-Userland"
WINDOWS_PREFIX = "Windows-Server-2022-Sim"
_DEBIAN = re.compile(r"Debian-(\d+)(?:-|$)")
_CODENAMES = {version: codename for codename, version in DEBIAN_SUITES.items()}


@dataclass(frozen=True)
class GuestImage:
    name: str
    kind: str  # "minimal", "debian", "windows" (simulated: WinRM) or "unavailable"
    suite: str = ""  # Debian codename
    reason: str = ""  # why it is unavailable

    @property
    def available(self) -> bool:
        return self.kind != "unavailable"


def resolve(image_name: str) -> GuestImage:
    if image_name.startswith(MINIMAL_PREFIX):
        return GuestImage(image_name, "minimal")
    if image_name.startswith(WINDOWS_PREFIX):
        return GuestImage(image_name, "windows")
    match = _DEBIAN.match(image_name)
    if match:
        suite = _CODENAMES.get(match.group(1))
        if suite is None:
            return GuestImage(image_name, "unavailable", reason=(
                f"Debian {match.group(1)} is not a release the simulator can bootstrap "
                f"(it knows {', '.join(f'Debian {v}' for v in _CODENAMES)})"))
        if debian_mirrors() is None:
            return GuestImage(image_name, "unavailable", reason=(
                "this machine's apt sources (/etc/apt/sources.list*) name no Debian archive "
                "to bootstrap it from"))
        return GuestImage(image_name, "debian", suite)
    distribution = image_name.split("-")[0]
    return GuestImage(image_name, "unavailable", reason=(
        f"no package archive for {distribution} is reachable from this machine (guests are "
        "built only from the archives its apt sources name); boot a Debian-* or "
        f"{MINIMAL_PREFIX}-* image instead"))
