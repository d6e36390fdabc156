"""Where a platform registration's LMS lives: the origins of its issuer and of its
OIDC auth login URL (the two URLs a registration names that are the LMS itself; the
token and JWKS URLs may sit on an API host).

Two rules use them:

- the Deep Linking return URL (``deep_link_return_url``) must be on one of these hosts
  or a subdomain of one (``https`` only, ``http`` too in the local stack): the tool's
  page posts the signed response there, so a ``javascript:`` URL or another site is
  refused at the launch, before any page uses it;
- pages shown inside the LMS may be framed by these origins only (CSP
  ``frame-ancestors``, see ``web/framing.py``).

An LMS that serves its pages from a host it did not register (some hosted LMSs put
each school on its own subdomain of a shared domain) is refused until its
registration names that host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from coursebridge.outbound import outbound_policy
from coursebridge.store.platforms import PlatformRegistration


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None
    default = {"https": 443, "http": 80}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def platform_origins(registration: PlatformRegistration) -> tuple[str, ...]:
    """``scheme://host[:port]`` of the issuer and the auth login URL, in that order."""
    urls = (registration.issuer, str(registration.auth_login_url))
    return tuple(dict.fromkeys(o for o in map(origin_of, urls) if o))


def platform_hosts(registration: PlatformRegistration) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urlsplit(o).hostname or "" for o in platform_origins(registration)))


def return_url_problem(url: str, registration: PlatformRegistration | None) -> str | None:
    """Why the browser may not be sent to ``url`` for this platform (``None``: it may).
    Without a registration (removed since the launch checked the host) only the
    scheme can be checked."""
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if outbound_policy().allow_loopback else ("https",)
    if parts.scheme.lower() not in allowed:
        return f"the deep_link_return_url must be {' or '.join(allowed)}, not {parts.scheme!r}"
    if registration is None:
        return None
    host = (parts.hostname or "").rstrip(".")
    hosts = platform_hosts(registration)
    if not host or not any(host == h or host.endswith("." + h) for h in hosts):
        return (
            f"the deep_link_return_url is on {host or 'no host'}, not on the platform's "
            f"registered host ({', '.join(hosts)})"
        )
    return None
