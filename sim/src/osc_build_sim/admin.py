"""The admin endpoint (loopback only): request log, faults, resources, shutdown.

- ``GET /_sim/requests?since=SEQ``: the request log (operation, account, status, latency).
- ``GET /_sim/faults`` / ``POST /_sim/faults`` ``{"seed": N, "rules": [...]}``.
- ``GET /_sim/resources/<kind>``: what ``osc-build-sim ls KIND --json`` prints.
- ``GET /_sim/info``: endpoints, regions and subregions, account; ``POST /_sim/shutdown``.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from .store import public

if TYPE_CHECKING:
    from .server import SimServer

KINDS = ("vm", "image", "volume", "snapshot", "keypair", "security_group", "public_ip", "net",
         "subnet", "image_export_task", "snapshot_export_task")


def resources(owner: SimServer, kind: str) -> list[dict]:
    with owner.sim.store.read() as tx:
        docs = tx.list(kind)
    return [{"id": d["_id"], "region": d["_region"], "account": d["_owner"], **public(d)}
            for d in docs]


def region_accounts(owner: SimServer) -> dict[str, dict]:
    """Each Region's endpoint and first account, with its first key (secret included)."""
    endpoints = owner.region_endpoints(owner.endpoint)
    out = {}
    for name in owner.config.regions:
        account = owner.config.region_account(name)
        key = account.access_keys[0]
        out[name] = {"endpoint": endpoints[name], "account_id": account.account_id,
                     "access_key": key.access_key, "secret_key": key.secret_key}
    return out


def info(owner: SimServer) -> dict:
    """Connection info without secrets (``GET /_sim/info``)."""
    account = owner.config.default_account
    return {"endpoint": owner.endpoint, "tls_endpoint": owner.tls_endpoint,
            "region": owner.config.default_region,
            "regions": owner.region_endpoints(owner.endpoint),
            "subregions": {name: [name + letter for letter in region.subregions]
                           for name, region in owner.config.regions.items()},
            "oos_endpoints": dict(owner.sim.oos_endpoints),
            "account_id": account.account_id, "ca_file": str(owner.tls_files.ca),
            "client_cert_file": str(owner.tls_files.client),
            "admin": owner.endpoint.rsplit("/api/v1", 1)[0] + "/_sim"}


def handle(owner: SimServer, method: str, path: str, body: bytes) -> tuple[int, dict]:
    url = urlsplit(path)
    parts = url.path.strip("/").split("/")[1:]
    query = parse_qs(url.query)
    if method == "GET" and parts == ["requests"]:
        since = int(query.get("since", ["0"])[0])
        return 200, {"requests": owner.sim.store.requests(since)}
    if parts == ["faults"]:
        if method == "POST":
            try:
                doc = json.loads(body or b"{}")
                owner.sim.faults.configure(doc.get("rules", []), int(doc.get("seed", 0)))
            except (ValueError, AttributeError, TypeError) as exc:
                return 400, {"error": str(exc)}
        return 200, owner.sim.faults.describe()
    if method == "GET" and len(parts) == 2 and parts[0] == "resources":
        if parts[1] not in KINDS:
            return 404, {"error": f"unknown kind {parts[1]!r}; known: {', '.join(KINDS)}"}
        return 200, {"resources": resources(owner, parts[1])}
    if method == "GET" and parts == ["info"]:
        return 200, info(owner)
    if method == "POST" and parts == ["shutdown"]:
        threading.Thread(target=owner.request_shutdown, daemon=True).start()
        return 200, {"stopping": True}
    return 404, {"error": f"no admin route {method} {url.path}"}
