"""The host VM's metadata tree: categories OUTSCALE documents, and nothing it lacks.

OUTSCALE's user guide ("Accessing the Metadata and User Data of an Instance")
lists the categories; docs/simulator-fidelity.md lists each path served here with
its source, and a test keeps the two equal. There is no ``placement/region``:
clients derive the Region from ``placement/availability-zone`` (eu-west-2a -> eu-west-2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

INSTANCE_TYPE = "tinav5.c1r1p2"
ROOT_DEVICE = "/dev/sda1"
PRIVATE_IP = "127.0.0.1"  # the host VM's, in the API too (host_record)


def private_dns_name(region: str, ip: str = PRIVATE_IP) -> str:
    return f"ip-{ip.replace('.', '-')}.{region}.compute.internal"


@dataclass(frozen=True)
class VmFacts:
    """What the metadata service says about one VM."""

    vm_id: str
    subregion: str
    private_ip: str
    private_dns_name: str
    instance_type: str = INSTANCE_TYPE
    root_device: str = ROOT_DEVICE
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> document


def leaves(vm: VmFacts) -> dict[str, str]:
    """Every document under /latest/meta-data/, by path (directories excluded)."""
    documents = {
        "ami-launch-index": "0",
        "block-device-mapping/ami": vm.root_device,
        "block-device-mapping/root": vm.root_device,
        "hostname": vm.private_dns_name,
        "instance-id": vm.vm_id,
        "instance-type": vm.instance_type,
        "local-hostname": vm.private_dns_name,
        "local-ipv4": vm.private_ip,
        "placement/availability-zone": vm.subregion,
    }
    for role, document in vm.credentials.items():
        documents[f"iam/security-credentials/{role}"] = json.dumps(document)
    return documents


def tree(vm: VmFacts) -> dict[str, str]:
    """Documents and directory listings (``""`` is the root), EC2-style: dirs end in /."""
    documents = leaves(vm)
    listings: dict[str, set[str]] = {"": set(), "iam": {"security-credentials/"},
                                     "iam/security-credentials": set()}
    listings[""].add("iam/")
    for path in documents:
        parts = path.split("/")
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            child = parts[depth] + ("/" if depth < len(parts) - 1 else "")
            listings.setdefault(parent, set()).add(child)
    return {**{path: "".join(f"{entry}\n" for entry in sorted(entries))
               for path, entries in listings.items()}, **documents}
