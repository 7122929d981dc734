"""How long each state transition takes, by timing profile (seconds).

``read_lag`` is not a transition: how long a write stays invisible to API reads
(read-after-write lag, see ``lag``); 0 in every profile (strictly consistent).
"""

from __future__ import annotations

TRANSITIONS = (
    "vm_boot", "vm_stop", "vm_start", "vm_terminate", "volume_create", "volume_delete",
    "volume_link", "volume_unlink", "snapshot", "snapshot_per_gib", "snapshot_delete", "image",
    "image_copy", "read_lag",
    "export", "image_import",  # export tasks (image and snapshot), CreateImage FileLocation
)

PROFILES: dict[str, dict[str, float]] = {
    "instant": dict.fromkeys(TRANSITIONS, 0.0),
    "fast": {
        "vm_boot": 0.2, "vm_stop": 0.1, "vm_start": 0.2, "vm_terminate": 0.1,
        "volume_create": 0.05, "volume_delete": 0.05, "volume_link": 0.05,
        "volume_unlink": 0.05, "snapshot": 0.2, "snapshot_per_gib": 0.0,
        "snapshot_delete": 0.05, "image": 0.2, "image_copy": 0.2, "read_lag": 0.0,
        "export": 0.2, "image_import": 0.2,
    },
    "realistic": {
        "vm_boot": 35.0, "vm_stop": 20.0, "vm_start": 30.0, "vm_terminate": 15.0,
        "volume_create": 4.0, "volume_delete": 3.0, "volume_link": 3.0,
        "volume_unlink": 3.0, "snapshot": 20.0, "snapshot_per_gib": 3.0,
        "snapshot_delete": 5.0, "image": 30.0, "image_copy": 60.0, "read_lag": 0.0,
        "export": 60.0, "image_import": 60.0,
    },
}


def timings(profile: str, overrides: dict[str, float]) -> dict[str, float]:
    unknown = set(overrides) - set(TRANSITIONS)
    if unknown:
        raise ValueError(f"unknown timing names {sorted(unknown)}; known: {list(TRANSITIONS)}")
    return {**PROFILES[profile], **overrides}
