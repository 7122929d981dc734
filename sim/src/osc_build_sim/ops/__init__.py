"""OAPI operations: one module per resource family, registered by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ..config import Account
from ..engine import Simulator

Handler = Callable[["Ctx", dict], dict]
REGISTRY: dict[str, Handler] = {}
MODULES = ("images", "vms", "vm_state", "volumes", "snapshots", "keypairs", "security_groups",
           "public_ips", "tags", "nets", "misc", "export_tasks")


@dataclass(frozen=True)
class Ctx:
    """One call: who makes it, in which region."""

    sim: Simulator
    account: Account | None  # None for the calls with no authentication
    region: str
    operation: str

    @property
    def account_id(self) -> str:
        return self.account.account_id if self.account else ""


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        REGISTRY[name] = handler
        return handler
    return register


def load_all() -> dict[str, Handler]:
    for module in MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return REGISTRY
