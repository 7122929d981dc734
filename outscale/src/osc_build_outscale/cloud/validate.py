"""Checks of OUTSCALE values (VM types, ids, regions, accounts) made when options load.

A mistake found here costs nothing; the same mistake found by the API comes after
a keypair, a security group and a VM were created (and deleted again). Values not
known yet (``<unknown>`` in validate mode, ``{{ ... }}`` build data) are not checked.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from osc_build.local_cloud import for_local_cloud

PUBLIC_REGIONS = ("eu-west-2", "us-east-2", "us-west-1", "cloudgouv-eu-west-1", "ap-northeast-1")
SUBREGION_LETTERS = "abc"
ENDPOINT_VARIABLES = ("OSC_ENDPOINT_API", "OUTSCALE_OAPI_URL")

# tinavW.cXrYpZ: processor generation W, X vCores, Y GiB of memory, performance Z (1 highest,
# 2 high, 3 medium); without pZ the API applies "high".
TINA_TYPE = re.compile(r"^tinav(?P<gen>\d+)\.c(?P<cores>\d+)r(?P<memory>\d+)(?:p(?P<perf>\d+))?$")
TINA_GENERATIONS = range(1, 8)
TINA_PERFORMANCES = range(1, 4)
# AWS-style names the API maps to a TINA type: family letters, generation, size.
AWS_TYPE = re.compile(r"^[a-z]{1,3}\d\.(?:nano|micro|small|medium|large|\d{0,2}xlarge)$")
VM_TYPE_EXAMPLE = "tinav7.c2r4p2 (2 vCores, 4 GiB, performance high) or t2.small"

RESOURCE_ID = r"^{prefix}-[0-9a-f]{{8}}$"
ACCOUNT_ID = re.compile(r"^\d{12}$")
ANY_RESOURCE_ID = re.compile(RESOURCE_ID.format(prefix="(ami|snap|vol|i|vpc|subnet|sg)"))



def not_known_yet(value: Any) -> bool:
    """A data source output in validate mode, or build data that steps render later."""
    return isinstance(value, str) and (value == "<unknown>" or "{{" in value)


def check_vm_type(value: str) -> None:
    """A TINA type (tinav1..7, p1..3) or an AWS-style alias such as t2.micro or m4.large."""
    if not_known_yet(value) or AWS_TYPE.match(value):
        return
    match = TINA_TYPE.match(value)
    if match is None:
        raise ValidationError(f"{value!r} is not an OUTSCALE VM type; write tinavW.cXrYpZ "
                              f"(generation W 1-7, X vCores, Y GiB of memory, performance Z "
                              f"1-3) or an AWS-style type, e.g. {VM_TYPE_EXAMPLE}")
    generation, perf = int(match["gen"]), match["perf"]
    if generation not in TINA_GENERATIONS:
        raise ValidationError(f"{value!r}: processor generation {generation} does not exist; "
                              f"use tinav1 to tinav7, e.g. {VM_TYPE_EXAMPLE}")
    if int(match["cores"]) < 1 or int(match["memory"]) < 1:
        raise ValidationError(f"{value!r}: a VM needs at least 1 vCore and 1 GiB of memory; "
                              f"e.g. {VM_TYPE_EXAMPLE}")
    if perf is not None and int(perf) not in TINA_PERFORMANCES:
        raise ValidationError(f"{value!r}: performance p{perf} does not exist; use p1 "
                              "(highest), p2 (high) or p3 (medium), e.g. "
                              f"{VM_TYPE_EXAMPLE}")


def resource_id(prefix: str, kind: str, hint: str = "") -> Callable[[str], None]:
    """A field validator for ``prefix-`` and 8 hexadecimal digits, e.g. ami-12345678."""
    pattern = re.compile(RESOURCE_ID.format(prefix=re.escape(prefix)))

    def check(value: str) -> None:
        if not_known_yet(value) or pattern.match(value):
            return
        extra = f"; {hint}" if hint and not value.startswith(f"{prefix}-") else ""
        raise ValidationError(f"{value!r} is not {kind} id: write {prefix}- and 8 hexadecimal "
                              f"digits, e.g. {prefix}-12345678{extra}")
    return check


def check_account_id(value: str) -> None:
    """An OUTSCALE account id: 12 digits."""
    if not_known_yet(value) or ACCOUNT_ID.match(value):
        return
    raise ValidationError(f"{value!r} is not an account id: an account id is 12 digits, e.g. "
                          "123456789012 (see your account in Cockpit or ReadAccounts)")


def custom_endpoint(options: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> bool:
    """Whether the API is not OUTSCALE's public one, so that any region name may be valid."""
    if for_local_cloud() or options.get("custom_endpoint_oapi"):
        return True
    if any(env.get(name) for name in ENDPOINT_VARIABLES):
        return True
    return _profile_endpoint(options.get("profile"), env)


def _profile_endpoint(profile: str | None, env: Mapping[str, str]) -> bool:
    """The profile file names an API endpoint; read errors are for credentials to report."""
    try:
        path = Path(env.get("OSC_CONFIG_FILE") or Path.home() / ".osc" / "config.json")
        document = json.loads(path.read_text(encoding="utf-8"))
        entry = document.get(profile or env.get("OSC_PROFILE") or "default") or {}
        return bool((entry.get("endpoints") or {}).get("api"))
    except (OSError, ValueError, AttributeError, RuntimeError):  # RuntimeError: no home
        return False


def region_problems(data: Mapping[str, Any]) -> dict[str, str]:
    """Errors of region, subregion_name and omi_regions, by option name."""
    region, subregion = data.get("region"), data.get("subregion_name")
    if data.get("skip_region_validation"):
        return {}  # a region newer than this list: the API will say if it is wrong
    if not (region or subregion or data.get("omi_regions")):
        return {}  # nothing to check: spare the profile file read of custom_endpoint
    errors: dict[str, str] = {}
    public = not custom_endpoint(data)
    fix = ("; for another endpoint set custom_endpoint_oapi (or OSC_ENDPOINT_API) to its "
           "URL")
    if public and region and not not_known_yet(region) and region not in PUBLIC_REGIONS:
        errors["region"] = (f"{region!r} is not an OUTSCALE region; use one of "
                            f"{', '.join(PUBLIC_REGIONS)}{fix}")
    if subregion and not not_known_yet(subregion):
        problem = _subregion_problem(subregion, region, public)
        if problem:
            errors["subregion_name"] = problem + (fix if public else "")
    unknown = [r for r in data.get("omi_regions") or []
               if public and not not_known_yet(r) and r not in PUBLIC_REGIONS]
    if unknown:
        errors["omi_regions"] = (f"{unknown[0]!r} is not an OUTSCALE region; use regions "
                                 f"among {', '.join(PUBLIC_REGIONS)}{fix}")
    return errors


def _subregion_problem(subregion: str, region: str | None, public: bool) -> str | None:
    own_region, letter = subregion[:-1], subregion[-1:]
    if region and not not_known_yet(region) and own_region != region:
        return (f"{subregion!r} is not a subregion of region {region!r}; use {region}a, "
                f"{region}b or {region}c")
    if not public:
        return None
    if own_region not in PUBLIC_REGIONS or letter not in SUBREGION_LETTERS:
        return (f"{subregion!r} is not an OUTSCALE subregion; write a region and a letter "
                f"a to c, e.g. eu-west-2a (regions: {', '.join(PUBLIC_REGIONS)})")
    return None


def served_region_problems(data: Mapping[str, Any], served: Mapping[str, Sequence[str]], *,
                           default_region: str, who: str, fix: str) -> dict[str, str]:
    """Errors of region, subregion_name and omi_regions against the regions ``who`` serves.

    ``served`` maps each region to its subregions (e.g. the local simulator's, read from
    its configuration); ``fix`` says how to serve another one.
    """
    errors: dict[str, str] = {}
    names = ", ".join(sorted(served))
    region = data.get("region") or default_region
    if not not_known_yet(region) and region not in served:
        errors["region"] = f"{region!r} is not a region of {who}; use one of {names}{fix}"
    subregion = data.get("subregion_name")
    if subregion and not not_known_yet(subregion) and region in served \
            and subregion not in served[region]:
        choices = " or ".join(served[region]) or "no subregion"
        errors["subregion_name"] = (f"{subregion!r} is not a subregion of region {region!r} of "
                                    f"{who}; use {choices}{fix}")
    unknown = [r for r in data.get("omi_regions") or []
               if not not_known_yet(r) and r not in served]
    if unknown:
        errors["omi_regions"] = (f"{unknown[0]!r} is not a region of {who}; copy to regions "
                                 f"among {names}{fix}")
    return errors


OWNER_HINT = "give account ids (12 digits), aliases such as Outscale, or self"


def check_owner(value: str) -> None:
    """An OMI owner: an account id (12 digits), an account alias such as Outscale, or self."""
    if not_known_yet(value):
        return
    owner = value.strip()
    if not owner:
        raise ValidationError(f"an empty owner; {OWNER_HINT}")
    if owner.isdigit() and not ACCOUNT_ID.match(owner):
        raise ValidationError(f"{value!r} is not an account id: an account id is 12 digits, "
                              f"e.g. 123456789012; {OWNER_HINT}")
    if owner != "self" and owner.lower() == "self":
        raise ValidationError(f"{value!r}: write self in lower case for the credentials' own "
                              "account")
    if ANY_RESOURCE_ID.match(owner):
        raise ValidationError(f"{value!r} is a resource id, not an owner; {OWNER_HINT} (an "
                              "OMI id goes in filters, e.g. image-id = \"ami-12345678\")")
