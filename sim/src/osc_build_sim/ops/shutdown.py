"""A VM's shutdown behaviour: the deprecated field and its replacement, kept consistent.

Spec 1.42: ``VmInitiatedShutdownBehavior`` (stop | restart | terminate) is deprecated
"in favor of" ``ShutdownBehaviorConfiguration`` {GuestAction: stop | terminate (default
stop), HostAction: restart | stop (default restart)}. CreateVms and UpdateVm accept
either; a VM shows both.
"""

from __future__ import annotations

from ..errors import invalid

LEGACY_VALUES = ("stop", "restart", "terminate")
DEFAULT_CONFIGURATION = {"GuestAction": "stop", "HostAction": "restart"}


def shutdown_fields(body: dict, current: dict | None = None) -> dict:
    """The VM's two shutdown fields after a call with ``body`` (on ``current``, if any)."""
    current = current or {}
    configuration = {**DEFAULT_CONFIGURATION,
                     **(current.get("ShutdownBehaviorConfiguration") or {})}
    legacy = current.get("VmInitiatedShutdownBehavior", "stop")
    if "VmInitiatedShutdownBehavior" in body:
        legacy = body["VmInitiatedShutdownBehavior"]
        if legacy not in LEGACY_VALUES:
            raise invalid(f"VmInitiatedShutdownBehavior {legacy!r} is not one of "
                          f"{', '.join(LEGACY_VALUES)} (it is deprecated: prefer "
                          "ShutdownBehaviorConfiguration.GuestAction).")
        if legacy != "restart":  # restart has no GuestAction counterpart
            configuration["GuestAction"] = legacy
    if "ShutdownBehaviorConfiguration" in body:  # the non-deprecated field wins
        configuration.update(body["ShutdownBehaviorConfiguration"])
        legacy = configuration["GuestAction"]
    return {"VmInitiatedShutdownBehavior": legacy,
            "ShutdownBehaviorConfiguration": configuration}
