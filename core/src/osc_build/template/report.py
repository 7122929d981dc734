"""A template as plain data and as Packer's ``inspect`` text, with secrets redacted."""

from __future__ import annotations

import json

from .model import Step, Template


def _step(step: Step) -> dict:
    out: dict = {"type": step.type}
    for key in ("name", "only", "except_", "pause_before", "max_retries", "timeout",
                "override", "keep_input_artifact"):
        value = getattr(step, key)
        if value not in ("", [], {}, 0, None):
            out[key.rstrip("_")] = value
    out["config"] = step.config
    return out


def template_to_dict(template: Template) -> dict:
    """Everything the template evaluated to; sensitive values become ``<sensitive>``."""
    data = {
        "kind": template.kind,
        "variables": {n: v.value for n, v in template.variables.items()},
        "locals": {n: v.value for n, v in template.locals.items()},
        "data_sources": template.data_sources,
        "builds": [{
            "name": build.name,
            "description": build.description,
            "sources": [{"name": build.build_name(s), "type": s.type, "config": s.config}
                        for s in build.sources],
            "provisioners": [_step(p) for p in build.provisioners],
            "error_cleanup_provisioner": (_step(build.error_cleanup_provisioner)
                                          if build.error_cleanup_provisioner else None),
            "post_processors": [[_step(s) for s in chain] for chain in build.post_processors],
        } for build in template.builds],
    }
    if not template.sensitive_values:
        return data
    return json.loads(template.redact(json.dumps(data)))


def _printable(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def inspect_text(template: Template) -> str:
    """Packer's ``inspect`` layout (HCL2 or JSON mode)."""
    data = template_to_dict(template)
    lines = [f"Packer Inspect: {'HCL2' if template.kind == 'hcl2' else 'JSON'} mode", ""]
    lines += ["> input-variables:", ""]
    lines += [f"var.{n}: {_printable(v)}" for n, v in data["variables"].items()]
    lines += ["", "> local-variables:", ""]
    lines += [f"local.{n}: {_printable(v)}" for n, v in data["locals"].items()]
    lines += ["", "> builds:", ""]
    for index, build in enumerate(data["builds"], 1):
        lines += [f"  > {build['name'] or f'<unnamed build {index - 1}>'}:", ""]
        if build["description"]:
            lines += [f"    description: {build['description']}", ""]
        lines += ["    sources:", ""]
        for source in build["sources"]:
            lines.append(f"      {source['name']}")
            for key, value in source["config"].items():
                lines.append(f"        {key} = {_printable(value)}")
        lines += ["", "    provisioners:", ""]
        lines += [f"      {p['type']}" for p in build["provisioners"]]
        if build["error_cleanup_provisioner"]:
            lines += ["", "    error-cleanup-provisioner:", "",
                      f"      {build['error_cleanup_provisioner']['type']}"]
        lines += ["", "    post-processors:", ""]
        for chain_index, chain in enumerate(build["post_processors"]):
            lines.append(f"      {chain_index}:")
            lines += [f"        {s['type']}" for s in chain]
        lines.append("")
    return "\n".join(lines) + "\n"
