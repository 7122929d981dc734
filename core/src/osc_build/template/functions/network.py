"""IP network functions (cidrhost, cidrsubnet, cidrnetmask)."""

from __future__ import annotations

import ipaddress

from ..values import to_number, to_string


def _network(prefix: object) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(to_string(prefix), strict=False)
    except ValueError as exc:
        raise ValueError(f"invalid CIDR expression: {exc}") from None


def cidrhost(prefix: object, hostnum: object) -> str:
    network = _network(prefix)
    number = int(to_number(hostnum))
    if number < 0:
        number += network.num_addresses
    if not 0 <= number < network.num_addresses:
        raise ValueError(f"prefix of {network.prefixlen} does not accommodate a host "
                         f"numbered {hostnum}")
    return str(network.network_address + number)


def cidrsubnet(prefix: object, newbits: object, netnum: object) -> str:
    network = _network(prefix)
    bits, number = int(to_number(newbits)), int(to_number(netnum))
    new_prefix = network.prefixlen + bits
    if new_prefix > network.max_prefixlen:
        raise ValueError(f"insufficient address space to extend prefix of "
                         f"{network.prefixlen} by {bits}")
    if not 0 <= number < 2 ** bits:
        raise ValueError(f"prefix extension of {bits} does not accommodate a subnet "
                         f"numbered {number}")
    size = 2 ** (network.max_prefixlen - new_prefix)
    address = network.network_address + number * size
    return f"{address}/{new_prefix}"


def cidrsubnets(prefix: object, *newbits: object) -> list[str]:
    """Consecutive subnets of the given sizes, each aligned on its own size (Terraform's)."""
    network = _network(prefix)
    out: list[str] = []
    current = int(network.network_address)
    end = int(network.broadcast_address) + 1
    for raw in newbits:
        bits = int(to_number(raw))
        new_prefix = network.prefixlen + bits
        if bits < 1 or new_prefix > network.max_prefixlen:
            raise ValueError(f"would extend prefix to {new_prefix} bits, which is too long "
                             f"for an IPv{network.version} address" if bits >= 1 else
                             "must extend prefix by at least one bit")
        size = 2 ** (network.max_prefixlen - new_prefix)
        current = -(-current // size) * size  # round up to the subnet's boundary
        if current + size > end:
            raise ValueError(f"not enough remaining address space for a subnet with a prefix "
                             f"of {new_prefix} bits after {out[-1] if out else network}")
        out.append(f"{type(network.network_address)(current)}/{new_prefix}")
        current += size
    return out


FUNCTIONS = {
    "cidrhost": cidrhost,
    "cidrsubnet": cidrsubnet,
    "cidrsubnets": cidrsubnets,
    "cidrnetmask": lambda prefix: str(_network(prefix).netmask),
}
