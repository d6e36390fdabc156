"""LTI Names and Role Provisioning Services 2.0 client: a course's membership, page by page.

The same OAuth 2.0 client-credentials token as AGS (``ags_token``: cached per
registration, one request per expiry window), with the NRPS scope; the same outbound
session and policy (https to public addresses, no redirects, a deadline and a size cap
per request), the same pacing and retries (``AgsClient._call``: 429/5xx with backoff and
``Retry-After``, one token refresh on 401).

Paging (NRPS 2.0 §2.4.2): a container answers with part of the membership and a
``Link: <url>; rel="next"`` header for the rest (Canvas caps a page at 50 members). The
client follows ``next`` only to the memberships URL's own origin, never to a URL it has
already read, and stops with an error past ``MAX_PAGES`` pages or ``MAX_MEMBERS``
members: a platform that loops or answers without end cannot keep a sync going.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from coursebridge.lti.ags import AgsClient, PermanentAgsError

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIP_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MESSAGE_CUSTOM = "https://purl.imsglobal.org/spec/lti/claim/custom"
MESSAGE_TYPE = "https://purl.imsglobal.org/spec/lti/claim/message_type"
PAGE_SIZE = 50  # asked for with ``limit``; the platform may answer with fewer
MAX_PAGES = 2_000
MAX_MEMBERS = 50_000
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*"?([^";]*)"?""", re.IGNORECASE)


class NrpsError(PermanentAgsError):
    """The membership could not be read as a whole (the sync changes nothing)."""


@dataclass(frozen=True)
class NrpsMember:
    """One member of the course as the platform lists it."""

    user_id: str
    roles: list[str]
    status: str = "Active"
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)  # from ``message`` (with rlid)

    @property
    def active(self) -> bool:
        return self.status.lower() == "active"


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` target of a Link header (RFC 8288), or None."""
    for match in _LINK.finditer(header or ""):
        for rel in _REL.findall(match.group(2)):
            if "next" in rel.lower().split():
                return match.group(1).strip()
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _custom(raw: Any) -> dict[str, Any]:
    """The custom claim of the member's resource link message, when the platform sent one."""
    messages = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
    for message in messages:
        if isinstance(message, dict) and isinstance(message.get(MESSAGE_CUSTOM), dict):
            return dict(message[MESSAGE_CUSTOM])
    return {}


def parse_member(raw: Any) -> NrpsMember | None:
    """A member entry, or None when it has no usable ``user_id`` (skipped)."""
    if not isinstance(raw, dict):
        return None
    user_id = _text(raw.get("user_id"))
    if user_id is None or len(user_id) > 1000:
        return None
    roles = raw.get("roles")
    return NrpsMember(
        user_id=user_id,
        roles=[r for r in roles if isinstance(r, str)] if isinstance(roles, list) else [],
        status=_text(raw.get("status")) or "Active",
        name=_text(raw.get("name")),
        given_name=_text(raw.get("given_name")),
        family_name=_text(raw.get("family_name")),
        email=_text(raw.get("email")),
        custom=_custom(raw.get("message")),
    )


def parse_page(body: Any) -> list[NrpsMember]:
    if not isinstance(body, dict) or not isinstance(body.get("members"), list):
        raise NrpsError("the LMS membership answer has no members list")
    return [m for m in (parse_member(raw) for raw in body["members"]) if m is not None]


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


@dataclass
class Membership:
    """What a whole read found: every member (each ``user_id`` once), and the pages."""

    members: list[NrpsMember]
    pages: int


class NrpsClient(AgsClient):
    """Reads one course's membership as one tool registration (scopes: ``NRPS_SCOPE``)."""

    def pages(self, url: str, *, rlid: str | None = None) -> Iterator[list[NrpsMember]]:
        """Each page's members, following ``rel="next"`` within the URL's origin."""
        seen: set[str] = set()
        params: dict[str, str] | None = {"limit": str(PAGE_SIZE)}
        if rlid:
            params = {**(params or {}), "rlid": rlid}
        current: str | None = url
        while current is not None:
            if len(seen) >= MAX_PAGES:
                raise NrpsError(f"the LMS roster has more than {MAX_PAGES} pages")
            if current in seen or _origin(current) != _origin(url):
                raise NrpsError("the LMS roster's next page is a page already read or elsewhere")
            seen.add(current)
            response = self._get(current, params)
            yield parse_page(_json(response))
            link = next_link(response.headers.get("Link"))
            current = urljoin(current, link) if link else None
            params = None  # a next URL carries its own query

    def membership(self, url: str, *, rlid: str | None = None) -> Membership:
        """The whole membership (NrpsError if any page fails or it grows past the caps)."""
        found: dict[str, NrpsMember] = {}
        pages = 0
        for page in self.pages(url, rlid=rlid):
            pages += 1
            for member in page:
                found[member.user_id] = member
            if len(found) > MAX_MEMBERS:
                raise NrpsError(f"the LMS roster has more than {MAX_MEMBERS} members")
        return Membership(list(found.values()), pages)

    def _get(self, url: str, params: dict[str, str] | None) -> requests.Response:
        return self._call(
            "GET", url, frozenset({NRPS_SCOPE}), params=params, accept=MEMBERSHIP_MEDIA_TYPE
        )


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise NrpsError("the LMS membership answer is not JSON") from None
