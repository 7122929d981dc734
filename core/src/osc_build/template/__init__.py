"""Packer templates: HCL2 and legacy JSON, evaluated into builds, sources and steps.

Public API::

    from osc_build.template import load_template, select_builds, Template
    tpl = load_template(path, vars={...}, var_files=[...], env=os.environ,
                        datasource=lambda type_, name, config: {...})
    select_builds(tpl, only=["*.outscale-bsu.*"], except_=[])

and ``osc_build.template.legacy.interpolate(text, build_info, user_vars=, env=)`` for the
``{{ ... }}`` strings that builders render when they prepare and run. Heavy imports
(python-hcl2, lark) happen only when a template is loaded.
"""

from __future__ import annotations

from .loader import load_template
from .model import Build, Location, Source, Step, Template, Variable
from .selection import select_builds

__all__ = ["Build", "Location", "Source", "Step", "Template", "Variable", "load_template",
           "select_builds"]
