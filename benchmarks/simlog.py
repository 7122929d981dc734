"""Reading a build's API calls out of the simulator's request log."""

from __future__ import annotations

from collections import Counter

# Operation that starts a transition -> (timing name in the profile, operation that polls it).
TRANSITIONS = {"CreateVms": ("vm_boot", "ReadVms"), "StopVms": ("vm_stop", "ReadVms"),
               "CreateImage": ("image", "ReadImages"), "DeleteVms": ("vm_terminate", "ReadVms")}


def requests_since(sim, seq: int) -> list[dict]:
    return sim._get(f"requests?since={seq}")["requests"]


def last_seq(sim) -> int:
    log = sim.requests()
    return log[-1]["seq"] if log else 0


def arrival(entry: dict) -> float:
    """When the request reached the simulator (the log stamps the end of its handling)."""
    return entry["time"] - entry["latency_ms"] / 1000


def calls_by_operation(log: list[dict]) -> dict[str, int]:
    return dict(sorted(Counter(entry["operation"] for entry in log).items()))


def waits(log: list[dict], timings: dict[str, float]) -> list[dict]:
    """Each transition of one build: polls until seen, and detection latency.

    The resource reaches its state ``timing`` seconds after the call that started
    it; the first poll after that moment sees it.
    """
    found = []
    for index, entry in enumerate(log):
        if entry["operation"] not in TRANSITIONS:
            continue
        timing, reader = TRANSITIONS[entry["operation"]]
        reached = entry["time"] + timings[timing]
        polls = [later for later in log[index + 1:] if later["operation"] == reader]
        seen = next((poll for poll in polls if arrival(poll) >= reached), None)
        if seen is None:
            continue
        found.append({"transition": timing, "seconds": timings[timing],
                      "polls": sum(1 for poll in polls if poll["seq"] <= seen["seq"]),
                      "detection_latency_s": round(arrival(seen) - reached, 3)})
    return found
