"""The evaluated template: builds, sources, provisioner/post-processor steps, variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PACKER_COMPAT_VERSION = "1.16.0"
"""The Packer version osc-build behaves like (``packer.version``, ``required_version``)."""


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return ":".join(str(p) for p in (self.file, self.line, self.column) if p is not None)


@dataclass
class Variable:
    name: str
    value: object
    type: str = "any"
    sensitive: bool = False
    description: str = ""
    location: Location | None = None


@dataclass
class Source:
    type: str
    name: str
    config: dict
    location: Location | None = None
    label: str = ""
    """The source label in the template (``name`` may be a build-local rename)."""
    legacy: bool = False
    """From a legacy JSON template: builds and ``only`` lists use the builder name."""

    @property
    def full_name(self) -> str:
        return f"{self.type}.{self.name}"

    @property
    def match_name(self) -> str:
        """What provisioner ``only``/``except`` lists name: ``type.name`` (JSON: ``name``)."""
        return self.name if self.legacy else self.full_name


@dataclass
class Step:
    """A provisioner or post-processor with Packer's meta-arguments taken out of ``config``."""

    type: str
    config: dict
    name: str = ""
    only: list[str] = field(default_factory=list)
    except_: list[str] = field(default_factory=list)
    pause_before: str = ""
    max_retries: int = 0
    timeout: str = ""
    override: dict = field(default_factory=dict)
    keep_input_artifact: bool | None = None
    continue_on_error: bool = False
    location: Location | None = None

    def applies_to(self, source: Source) -> bool:
        """Packer's provisioner only/except: exact ``type.name`` matches."""
        if self.only and source.match_name not in self.only:
            return False
        return source.match_name not in self.except_

    def config_for(self, source: Source) -> dict:
        """The config with this source's ``override`` entry merged on top."""
        merged = dict(self.config)
        merged.update(self.override.get(source.name, {}))
        return merged


@dataclass
class Build:
    name: str
    description: str
    sources: list[Source]
    provisioners: list[Step] = field(default_factory=list)
    error_cleanup_provisioner: Step | None = None
    post_processors: list[list[Step]] = field(default_factory=list)
    location: Location | None = None

    def build_name(self, source: Source) -> str:
        """What ``-only``/``-except`` match and what prefixes UI lines."""
        if source.legacy:
            return source.name
        return f"{self.name}.{source.full_name}" if self.name else source.full_name


@dataclass
class Template:
    path: Path
    kind: str
    """``"hcl2"`` or ``"json"`` (legacy)."""
    builds: list[Build]
    variables: dict[str, Variable]
    locals: dict[str, Variable] = field(default_factory=dict)
    data_sources: dict[str, dict] = field(default_factory=dict)
    """``"type.name"`` -> outputs (unknown placeholders in validate mode)."""
    sensitive_values: set[str] = field(default_factory=set)
    required_plugins: dict[str, dict] = field(default_factory=dict)
    required_version: str = ""
    description: str = ""
    root: Path = field(default_factory=Path)
    """``path.root``: the template's folder."""
    user_variables: dict[str, str] = field(default_factory=dict)
    """Legacy JSON ``{{user `x`}}`` values (strings)."""
    warnings: list[str] = field(default_factory=list)

    def redact(self, text: str) -> str:
        """Replace every sensitive value (and each line of multi-line ones) by <sensitive>."""
        for secret in sorted(self.sensitive_values, key=len, reverse=True):
            for part in [secret, *secret.splitlines()]:
                if part.strip():
                    text = text.replace(part, "<sensitive>")
        return text
