"""Every local server listens on 127.0.0.1 only: DynamoDB Local (which has no host
option of its own), moto, the API Gateway stand-in and the demo LMS."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

LISTEN = "0A"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != LISTEN or int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(address)
            # /proc prints each 32-bit word in host (little-endian) order
            words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            ip = ipaddress.ip_address(words)
            mapped = getattr(ip, "ipv4_mapped", None)
            found.add(str(mapped or ip))
    return found


def _other_interfaces() -> list[str]:
    """This machine's non-loopback addresses (``hostname -I``), if it has any."""
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=False)
    addresses = [a for a in out.stdout.split() if not ipaddress.ip_address(a).is_loopback]
    return [a for a in addresses if not ipaddress.ip_address(a).is_link_local]


LOOPBACK = {"127.0.0.1"}


def test_dynamodb_local_listens_on_loopback_only(local_stack):
    port = local_stack.ports.dynamodb
    addresses = _listening_addresses(port)
    assert addresses and addresses <= LOOPBACK, addresses
    for address in _other_interfaces():
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, port)) != 0, f"DynamoDB Local answers on {address}"


def test_the_other_local_servers_listen_on_loopback_only(local_stack, lms):
    ports = {"moto": local_stack.ports.moto, "api": local_stack.ports.http, "lms": lms.port}
    for name, port in ports.items():
        addresses = _listening_addresses(port)
        assert addresses and addresses <= LOOPBACK, (name, addresses)
