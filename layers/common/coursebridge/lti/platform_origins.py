"""Where a platform registration's LMS lives.

The origins a registration vouches for are its issuer's and its OIDC auth login URL's
(the two URLs a registration names that are the LMS itself; token and JWKS URLs may sit
on an API host), the ``lms_origins`` it lists, and — for an issuer or auth host of three
labels or more — any host of that host's parent domain: a hosted LMS serves each school
from its own subdomain of a shared domain (Canvas cloud: issuer
``canvas.instructure.com``, pages on ``school.instructure.com``). A school on a domain
of its own is listed in ``lms_origins`` (``coursebridge platform add --lms-origin``).

Two rules use them:

- the Deep Linking return URL (``deep_link_return_url``) must be on one of these hosts
  (``https`` only, ``http`` too in the local stack): the tool's page posts the signed
  response there, so a ``javascript:`` URL or another site is refused at the launch,
  before any page uses it;
- pages shown inside the LMS may be framed by these origins only (CSP
  ``frame-ancestors``, see ``web/framing.py``).
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


def _parent(host: str) -> str | None:
    """``instructure.com`` for ``canvas.instructure.com``; None for two labels or an IP."""
    labels = host.split(".")
    if len(labels) < 3 or all(label.isdigit() for label in labels) or ":" in host:
        return None
    return ".".join(labels[1:])


def _registered(registration: PlatformRegistration) -> tuple[str, ...]:
    urls = (registration.issuer, str(registration.auth_login_url))
    return tuple(dict.fromkeys(o for o in map(origin_of, urls) if o))


def platform_origins(registration: PlatformRegistration) -> tuple[str, ...]:
    """CSP sources for the registration's LMS: the issuer's and auth login URL's
    origins, the listed ``lms_origins``, and ``scheme://*.<parent domain>``."""
    registered = _registered(registration)
    return tuple(dict.fromkeys([*registered, *registration.lms_origins, *_parents(registered)]))


def lms_sources(urls: tuple[str, ...]) -> tuple[str, ...]:
    """The same CSP sources for an LMS known by its URLs only (a platform being
    registered: its configuration URL, issuer and authorization endpoint)."""
    origins = tuple(dict.fromkeys(o for o in map(origin_of, urls) if o))
    return tuple(dict.fromkeys([*origins, *_parents(origins)]))


def _parents(origins: tuple[str, ...]) -> list[str]:
    sources = []
    for origin in origins:
        parts = urlsplit(origin)
        parent = _parent(parts.hostname or "")
        if parent:
            sources.append(f"{parts.scheme}://*.{parent}")
    return sources


def platform_hosts(registration: PlatformRegistration) -> tuple[str, ...]:
    """Hosts a return URL may be on: these or any subdomain of one."""
    registered = [urlsplit(o).hostname or "" for o in _registered(registration)]
    listed = [urlsplit(o).hostname or "" for o in registration.lms_origins]
    hosts = registered + listed + [p for p in map(_parent, registered) if p]
    return tuple(dict.fromkeys(h for h in hosts if h))


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
