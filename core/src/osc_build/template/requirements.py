"""The ``packer {}`` block: ``required_version`` and ``required_plugins`` constraints."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from osc_build.errors import TemplateError

from .body import Attribute, Block, body_items, error
from .evaluator import Evaluator
from .model import PACKER_COMPAT_VERSION


def known_plugin_sources() -> dict[str, str]:
    """Packer plugin sources with the version they match: those of the plugin index, and
    those installed distributions declare (entry-point group ``osc_build.plugin_sources``)."""
    from osc_build.plugin_sources import installed_sources, plugin_index

    known = {source: info["compatible_version"]
             for source, info in plugin_index()["sources"].items()}
    known.update({source: p.version for source, p in installed_sources().items()})
    return known


@dataclass(frozen=True)
class Requirement:
    """One ``required_plugins`` entry, as written."""

    name: str
    source: str
    version: str  # the constraint, "" when none
    where: str  # file:line


def read_required_plugins(path: Path) -> list[Requirement]:
    """The ``required_plugins`` of a template file or directory, nothing else evaluated.

    ``osc-build init`` reads them before the plugins they name are installed.
    """
    from .layout import template_files
    from .parser import parse_hcl, position

    found = []
    for file in template_files(path)[0]:
        name = str(file)
        text = file.read_text(encoding="utf-8")
        if name.endswith(".pkr.json"):
            from .hcl_json import parse_json_template

            tree = parse_json_template(text, name)
        else:
            tree = parse_hcl(text, name)
        evaluator = Evaluator(name, {}, {})
        for block in body_items(tree.children[0], name):
            if not (isinstance(block, Block) and block.type == "packer"):
                continue
            for inner in body_items(block.body, name):
                if not (isinstance(inner, Block) and inner.type == "required_plugins"):
                    continue
                for plugin in body_items(inner.body, name):
                    if isinstance(plugin, Attribute):
                        spec = _plugin_spec(plugin, evaluator, name)
                        found.append(Requirement(
                            plugin.name, str(spec.get("source", "")),
                            str(spec.get("version", "")),
                            f"{name}:{position(plugin.node)[0]}"))
    return found


def _plugin_spec(plugin: Attribute, evaluator: Evaluator, filename: str) -> dict:
    spec = evaluator.eval(plugin.expr)
    if not isinstance(spec, dict) or set(spec) - {"source", "version"}:
        raise error(filename, plugin.node, f'Invalid required_plugins entry "{plugin.name}": '
                    'expected { source = "github.com/org/name", version = ">= x" }.')
    return spec

_CONSTRAINT = re.compile(r"^\s*(>=|<=|!=|~>|=|>|<)?\s*v?(\d+(?:\.\d+){0,2})\S*\s*$")


def _version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def satisfies(version: str, constraints: str) -> bool:
    """Hashicorp version constraints: ``>= 1.2, < 2``, ``~> 1.4``, ``!= 1.3.0``..."""
    current = _version(version)
    for constraint in constraints.split(","):
        match = _CONSTRAINT.match(constraint)
        if not match:
            raise ValueError(f'invalid version constraint "{constraint.strip()}"')
        operator, wanted_text = match.group(1) or "=", match.group(2)
        wanted = _version(wanted_text)
        if operator == "~>":
            depth = len(wanted_text.split(".")) - 1
            upper = list(wanted[:max(depth, 1)])
            upper[-1] += 1
            ok = current >= wanted and current[:len(upper)] < tuple(upper)
        else:
            ok = {"=": current == wanted, "!=": current != wanted, ">": current > wanted,
                  ">=": current >= wanted, "<": current < wanted,
                  "<=": current <= wanted}[operator]
        if not ok:
            return False
    return True


def check_packer_block(block: Block, filename: str, template) -> None:
    evaluator = Evaluator(filename, {}, {})
    for item in body_items(block.body, filename):
        if isinstance(item, Attribute) and item.name == "required_version":
            constraint = str(evaluator.eval(item.expr))
            template.required_version = constraint
            _check(PACKER_COMPAT_VERSION, constraint, filename, item,
                   f"Unsupported Packer Core version: this template requires Packer "
                   f'"{constraint}", and osc-build behaves as Packer {PACKER_COMPAT_VERSION}.')
        elif isinstance(item, Block) and item.type == "required_plugins":
            for plugin in body_items(item.body, filename):
                if isinstance(plugin, Attribute):
                    _check_plugin(plugin, evaluator, filename, template)
        else:
            name = item.name if isinstance(item, Attribute) else item.type
            raise error(filename, item.node, f'Unsupported argument "{name}" in packer block: '
                        "expected required_version or required_plugins.")


def _check_plugin(plugin: Attribute, evaluator: Evaluator, filename: str, template) -> None:
    spec = _plugin_spec(plugin, evaluator, filename)
    source = str(spec.get("source", ""))
    template.required_plugins[plugin.name] = spec
    known = known_plugin_sources()
    if source not in known:
        raise error(filename, plugin.node, f'Missing plugin "{plugin.name}" ({source}): '
                    "no installed or known osc-build distribution provides it (known: "
                    f"{', '.join(sorted(known))}); install the distribution that provides it, "
                    "or remove this requirement and the components it provides.")
    if "version" in spec:
        _check(known[source], str(spec["version"]), filename, plugin,
               f'Plugin "{plugin.name}" version constraint "{spec["version"]}" is not met: '
               f"osc-build provides the components of {source} "
               f"{known[source]}.")


def _check(version: str, constraint: str, filename: str, item: Attribute, message: str) -> None:
    try:
        ok = satisfies(version, constraint)
    except ValueError as exc:
        raise error(filename, item.node, f"Invalid version constraint: {exc}.") from None
    if not ok:
        raise TemplateError(message, file=filename, line=item.node.meta.line,
                            column=item.node.meta.column)
