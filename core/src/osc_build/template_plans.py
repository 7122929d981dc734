"""From an evaluated template to the builds to run.

Packer evaluates ``data`` blocks before sources; here each one is run by its
data-source component (``osc_build.datasources``): a class with a ``schema``
and ``execute(config) -> dict`` of outputs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osc_build import registry
from osc_build.errors import ConfigError, TemplateError, UsageError
from osc_build.log import register_secret
from osc_build.postprocess import PostProcessorCall
from osc_build.provision import ProvisionerCall
from osc_build.runner import BuildPlan

if TYPE_CHECKING:
    from osc_build.problems import Problems


def parse_vars(assignments: Sequence[str]) -> dict[str, str]:
    """``-var NAME=VALUE`` flags as a mapping (later flags win, as in Packer)."""
    out: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-var {item!r}: expected NAME=VALUE, e.g. -var region=eu-west-2")
        out[name.strip()] = value
    return out


def run_datasource(type_: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Run one ``data`` block with its installed component."""
    from osc_build.config import load_options

    cls = registry.load(registry.DATASOURCE, type_)
    schema = getattr(cls, "schema", None)
    options = load_options(schema, config, where=f"data.{type_}.{name}") if schema else config
    return cls().execute(options)


def check_datasource(type_: str, name: str, config: dict[str, Any]) -> object:
    """``validate``: the data source is installed and its options load; it does not run."""
    from osc_build.config import load_options
    from osc_build.template.values import UNKNOWN

    cls = registry.load(registry.DATASOURCE, type_)
    schema = getattr(cls, "schema", None)
    if schema:
        load_options(schema, config, where=f"data.{type_}.{name}")
    return UNKNOWN


def plans_from_template(path: Path, *, vars: Sequence[str] = (), var_files: Sequence[str] = (),
                        only: Sequence[str] = (), except_: Sequence[str] = (),
                        evaluate_datasources: bool = True,
                        datasource: Callable[..., dict[str, Any]] | None = None,
                        problems: Problems | None = None) -> list[BuildPlan]:
    """Load ``path`` and turn each selected source of each build into a :class:`BuildPlan`.

    ``datasource`` runs the ``data`` blocks (default: :func:`run_datasource`). With
    ``problems``, the mistakes of ``data`` blocks that are only checked (not
    ``evaluate_datasources``) go there instead of stopping the load.
    """
    from osc_build.template import load_template, select_builds

    datasource = (datasource or run_datasource) if evaluate_datasources else check_datasource
    template = load_template(path, vars=parse_vars(vars), var_files=[Path(f) for f in var_files],
                             env=os.environ, datasource=datasource,
                             problems=None if evaluate_datasources else problems)
    for value in template.sensitive_values:
        for part in (value, *value.splitlines()):
            register_secret(part.strip(), shown_as="<sensitive>")
    plans = []
    for build in select_builds(template, only=list(only), except_=list(except_)):
        for source in build.sources:
            where = f"source.{source.full_name}"
            if source.location is not None:
                where = f"{source.location}: {where}"
            provisioners = [_provisioner_call(step, source) for step in build.provisioners
                            if step.applies_to(source)]
            chains = [[_post_processor_call(step, source) for step in chain
                       if step.applies_to(source)] for chain in build.post_processors]
            cleanup = build.error_cleanup_provisioner
            plans.append(BuildPlan(name=build.build_name(source), builder=source.type,
                                   options=source.config, where=where,
                                   positions=source.positions,
                                   provisioners=provisioners,
                                   error_cleanup_provisioner=(
                                       _provisioner_call(cleanup, source)
                                       if cleanup is not None and cleanup.applies_to(source)
                                       else None),
                                   post_processors=[chain for chain in chains if chain],
                                   template_dir=template.root))
    if not plans:
        raise ConfigError(f"{path}: no build to run: the template has no source"
                          + (" matching -only/-except" if only or except_ else "")
                          + "; check the build blocks and the -only/-except patterns")
    return plans


def _provisioner_call(step, source) -> ProvisionerCall:
    from osc_build.template.functions.datetime import go_duration

    where = str(step.location) if step.location else f"provisioner {step.type!r}"
    try:
        pause = go_duration(step.pause_before) if step.pause_before else 0.0
        timeout = go_duration(step.timeout) if step.timeout else None
    except ValueError as err:
        raise TemplateError(f"{where}: {err}") from None
    return ProvisionerCall(type=step.type, config=step.config_for(source), name=step.name,
                           pause_before=pause, max_retries=step.max_retries, timeout=timeout,
                           where=where, positions=step.positions)


def _post_processor_call(step, source) -> PostProcessorCall:
    where = str(step.location) if step.location else f"post-processor {step.type!r}"
    return PostProcessorCall(type=step.type, config=step.config_for(source), name=step.name,
                             keep_input_artifact=step.keep_input_artifact, where=where,
                             positions=step.positions)
