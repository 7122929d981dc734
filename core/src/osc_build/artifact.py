"""What a build produces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Artifact:
    """The result of one build, as Packer reports it.

    ``ids`` maps each region to the id made there (an OMI copied to three
    regions has three entries; a volume build has one entry per volume, keyed
    ``region`` and listed in order).
    """

    builder: str
    ids: tuple[tuple[str, str], ...]
    # Packer's BuilderId() (``oapi.outscale.bsu``): scripts reading ``-machine-readable``
    # output or a manifest tell artifacts apart by it. Defaults to the builder's name.
    builder_id: str = ""
    description: str = ""
    files: tuple[str, ...] = ()
    state: dict[str, Any] = field(default_factory=dict)
    destroy: Callable[[], None] | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        """Packer's artifact id: ``region:id`` pairs joined by commas."""
        return ",".join(f"{region}:{rid}" if region else rid for region, rid in self.ids)

    def __post_init__(self) -> None:
        if not self.builder_id:
            object.__setattr__(self, "builder_id", self.builder)

    @property
    def empty(self) -> bool:
        """Nothing was made (``skip_create_omi``): Packer has no artifact then (nil)."""
        return not self.ids and not self.files

    def __str__(self) -> str:
        if self.description:
            return self.description
        return "\n".join(f"{region}: {rid}" for region, rid in self.ids)
