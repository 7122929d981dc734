"""What a build produces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Packer's BuilderId() of each builder and post-processor: scripts that read
# ``-machine-readable`` output or a manifest tell artifacts apart by it.
BUILDER_IDS = {
    "outscale-bsu": "oapi.outscale.bsu",
    "outscale-chroot": "oapi.outscale.chroot",
    "outscale-bsusurrogate": "oapi.outscale.bsusurrogate",
    "outscale-bsuvolume": "oapi.outscale.bsuvolume",
    "checksum": "packer.post-processor.checksum",
    "manifest": "packer.post-processor.manifest",
    "shell-local": "packer.post-processor.shell-local",
}


@dataclass(frozen=True)
class Artifact:
    """The result of one build, as Packer reports it.

    ``ids`` maps each region to the id made there (an OMI copied to three
    regions has three entries; a volume build has one entry per volume, keyed
    ``region`` and listed in order).
    """

    builder: str
    ids: tuple[tuple[str, str], ...]
    description: str = ""
    files: tuple[str, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)
    destroy: Callable[[], None] | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        """Packer's artifact id: ``region:id`` pairs joined by commas."""
        return ",".join(f"{region}:{rid}" if region else rid for region, rid in self.ids)

    @property
    def builder_id(self) -> str:
        """Packer's builder id, e.g. ``oapi.outscale.bsu``; other plugins' builder names."""
        return BUILDER_IDS.get(self.builder, self.builder)

    @property
    def empty(self) -> bool:
        """Nothing was made (``skip_create_omi``): Packer has no artifact then (nil)."""
        return not self.ids and not self.files

    def __str__(self) -> str:
        if self.description:
            return self.description
        return "\n".join(f"{region}: {rid}" for region, rid in self.ids)
