"""Which URLs the product may fetch: https to public addresses, nothing else.

A platform registration names URLs we fetch server-side (JWKS, OAuth2 token, AGS line
items and scores). Whoever controls a registration could point them at our own
network: the instance metadata service (``169.254.169.254``), a private address, a
loopback port. So every fetch, and every registration when it is added, passes here:

- the scheme is ``https``; ``http`` only to a loopback address, and only when the
  local stack says so (``OUTBOUND_ALLOW_LOOPBACK=true``, which ``make dev`` and the
  tests set; no deployed function has it, so loopback is refused in Lambda);
- no user name or password in the URL;
- the host resolves only to public addresses: private, loopback, link-local,
  multicast, reserved, unspecified, shared (CGNAT) and documentation ranges are
  refused, also when written as IPv4-mapped, NAT64 or 6to4 IPv6 addresses.

The transport (``session.py``) resolves once, checks every address, and connects to
the checked address itself, so a DNS answer that changes between check and connect
(DNS rebinding) cannot move the request elsewhere.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

LOOPBACK_SETTING = "OUTBOUND_ALLOW_LOOPBACK"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class OutboundRefused(Exception):
    """A request to a platform was not made or not accepted; the message names the URL."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


class UrlNotAllowed(OutboundRefused):
    """The URL's scheme, host or resolved address is not one we fetch from."""


class HostDoesNotResolve(UrlNotAllowed):
    """The host has no address (now): nothing can be fetched from it."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_category(address: IpAddress) -> str | None:
    """Why ``address`` is not a public address (``None`` when it is one)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_category(embedded)
        if address.is_site_local:
            return "site-local"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    )
    for name, matches in checks:
        if matches:
            return name
    return None if address.is_global else "non-public"


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_loopback_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


@dataclass(frozen=True)
class OutboundPolicy:
    allow_loopback: bool = False

    def check_url(self, url: str) -> SplitResult:
        """The checks that need no DNS: scheme, credentials, a literal or loopback host."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http"):
            raise UrlNotAllowed(url, "the URL must be https")
        if parts.username is not None or parts.password is not None:
            raise UrlNotAllowed(url, "the URL must not carry a user name or password")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise UrlNotAllowed(url, "the URL has no host")
        loopback = self._check_host(host, url)
        if scheme == "http" and not (self.allow_loopback and loopback):
            raise UrlNotAllowed(url, "the URL must be https")
        return parts

    def _check_host(self, host: str, url: str) -> bool:
        """Whether ``host`` is a loopback one; refused when it is an address or a loopback
        name this policy does not allow."""
        literal = _literal(host)
        if literal is not None:
            self.check_address(literal, url)
            return literal.is_loopback
        if not _is_loopback_name(host):
            return False
        if not self.allow_loopback:
            raise UrlNotAllowed(url, f"{host} is a loopback address, not a public one")
        return True

    def check_address(self, address: IpAddress, url: str) -> None:
        category = address_category(address)
        if category is None:
            return
        if category == "loopback" and self.allow_loopback:
            return
        raise UrlNotAllowed(url, f"{address} is a {category} address, not a public one")

    def resolve(self, host: str, port: int, url: str, *, tls: bool) -> list[str]:
        """Every address ``host`` resolves to, each checked; refused if any is not allowed.
        Plain http must stay on loopback (the local stack's servers)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise HostDoesNotResolve(url, f"the host {host} does not resolve ({error})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for text in addresses:
            address = ipaddress.ip_address(text.split("%")[0])
            self.check_address(address, url)
            if not tls and not address.is_loopback:
                raise UrlNotAllowed(url, "the URL must be https")
        return addresses

    def check_resolved(self, url: str) -> None:
        """``check_url`` and, when the host resolves now, every address it resolves to.
        A host that does not resolve yet is left to the fetch, which checks again."""
        parts = self.check_url(url)
        host = (parts.hostname or "").rstrip(".")
        tls = parts.scheme.lower() == "https"
        try:
            self.resolve(host, parts.port or (443 if tls else 80), url, tls=tls)
        except HostDoesNotResolve:
            return


def outbound_policy() -> OutboundPolicy:
    """This process's policy. Only the local stack sets ``OUTBOUND_ALLOW_LOOPBACK``."""
    allowed = os.environ.get(LOOPBACK_SETTING, "").strip().lower() in ("1", "true", "yes")
    return OutboundPolicy(allow_loopback=allowed)
