"""Truncate client IP addresses before they leave a parser: IPv4 to /24, IPv6 to /48.

Truncation happens at parse time so no full address reaches a record, a log line or the warehouse.
IPv4-mapped IPv6 addresses (::ffff:192.0.2.33) are truncated as IPv4. A value that is not an IP
address (CloudFront writes `-`, some logs write `unknown`) becomes None rather than being kept.

Left out: geolocation and ASN lookup (the collector resolves those before truncating).
"""

from __future__ import annotations

import functools
import ipaddress
import logging

logger = logging.getLogger(__name__)

IPV4_PREFIX_BITS = 24
IPV6_PREFIX_BITS = 48


def _truncate_v4_fast(text: str) -> str | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    for part in parts:
        if not part.isdigit() or not part.isascii() or len(part) > 3 or int(part) > 255:
            return None
        if len(part) > 1 and part[0] == "0":
            return None
    return f"{int(parts[0])}.{int(parts[1])}.{int(parts[2])}.0"


@functools.lru_cache(maxsize=4096)
def truncate_ip(value: str | None) -> str | None:
    """Return the address with its host bits zeroed (/24 or /48), or None when not an address."""
    if not value:
        return None
    text = value.strip()
    if "." in text and ":" not in text:
        return _truncate_v4_fast(text)
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    bits = IPV4_PREFIX_BITS if address.version == 4 else IPV6_PREFIX_BITS
    network = ipaddress.ip_network(f"{address}/{bits}", strict=False)
    return str(network.network_address)
