"""Faults on demand: throttling, 5xx, transitions that hang or fail.

A rule is ``{"operation": "CreateImage" | "*", "kind": KIND, "rate": 0..1}`` with
KIND one of ``throttle`` (``code`` 24 or 25 give 429, 6 gives 503),
``server-error`` (``status``, default 500), ``hang`` (the transition the call
starts never ends), ``fail`` (it ends in the error state), ``lag`` (what the
call writes stays invisible to API reads for ``ms`` milliseconds, default 300) and
``late-answer`` (the call is done at once, its answer leaves ``ms`` milliseconds later:
a slow network, where a client killed meanwhile never learns what it created). Draws come from one
``random.Random(seed)``, so the same calls in the same order meet the same
faults: a failing run can be replayed with its seed.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from .errors import ApiError

KINDS = ("throttle", "server-error", "hang", "fail", "lag", "late-answer")
_THROTTLE = {6: (503, "Request rate exceeded."),
             24: (429, "You have reached the maximum number of requests per second."),
             25: (429, "You have reached the maximum number of requests per second for this call.")}


@dataclass(frozen=True)
class Rule:
    operation: str
    kind: str
    rate: float = 1.0
    code: int = 24
    status: int = 500
    ms: float = 300.0

    @classmethod
    def parse(cls, doc: dict) -> Rule:
        try:
            rule = cls(operation=str(doc.get("operation", "*")), kind=str(doc["kind"]),
                       rate=float(doc.get("rate", 1.0)), code=int(doc.get("code", 24)),
                       status=int(doc.get("status", 500)), ms=float(doc.get("ms", 300)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad fault rule {doc!r}: {exc!r}") from None
        if rule.kind not in KINDS:
            raise ValueError(f"fault kind {rule.kind!r} is not one of {KINDS}")
        if not 0.0 <= rule.rate <= 1.0:
            raise ValueError(f"fault rate {rule.rate} is not between 0 and 1")
        if rule.kind == "throttle" and rule.code not in _THROTTLE:
            raise ValueError(f"throttle code {rule.code} is not one of {sorted(_THROTTLE)}")
        if rule.kind == "server-error" and not 500 <= rule.status <= 599:
            raise ValueError(f"server-error status {rule.status} is not a 5xx")
        if rule.kind in ("lag", "late-answer") and not 0 <= rule.ms < float("inf"):
            raise ValueError(f"lag ms {rule.ms} is not a number of milliseconds >= 0")
        return rule

    def to_doc(self) -> dict:
        return {"operation": self.operation, "kind": self.kind, "rate": self.rate,
                "code": self.code, "status": self.status, "ms": self.ms}


class Faults:
    def __init__(self, rules: list[dict], seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.configure(rules, seed)

    def configure(self, rules: list[dict], seed: int) -> None:
        parsed = [Rule.parse(doc) for doc in rules]
        with self._lock:
            self.rules = parsed
            self.seed = seed
            self._random = random.Random(seed)

    def _draw(self, operation: str, kinds: tuple[str, ...]) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if (rule.kind in kinds and rule.operation in ("*", operation)
                        and self._random.random() < rule.rate):
                    return rule
        return None

    def check_request(self, operation: str) -> None:
        """Raise the throttling or server error this call meets, if any."""
        rule = self._draw(operation, ("throttle", "server-error"))
        if rule is None:
            return
        if rule.kind == "throttle":
            status, message = _THROTTLE[rule.code]
            raise ApiError(status, rule.code, message)
        raise ApiError(rule.status, 2000, "Injected server error.")

    def transition(self, operation: str) -> str | None:
        """``"hang"``, ``"fail"`` or None for the transition this call starts."""
        rule = self._draw(operation, ("hang", "fail"))
        return rule.kind if rule else None

    def write_lag(self, operation: str) -> float:
        """Seconds the writes of this call stay invisible to API reads (0: none)."""
        rule = self._draw(operation, ("lag",))
        return rule.ms / 1000 if rule else 0.0

    def answer_delay(self, operation: str) -> float:
        """Seconds the answer of this call waits once the call is done (0: none)."""
        rule = self._draw(operation, ("late-answer",))
        return rule.ms / 1000 if rule else 0.0

    def describe(self) -> dict:
        with self._lock:
            return {"seed": self.seed, "rules": [rule.to_doc() for rule in self.rules]}
