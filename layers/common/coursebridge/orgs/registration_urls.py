"""Registration URLs: the one link an LMS admin pastes into their LMS's Dynamic
Registration (``coursebridge platform registration-url --org ORG``).

A URL is bound to one organization, used once and expires (7 days unless said
otherwise, 30 at most). It carries a random token (256 bits); the table keeps only the
token's SHA-256 (store/registration_urls.py), so a leaked table registers nothing.
Whoever holds the URL can register one LMS for that organization: it is handed to that
organization's LMS admin only, like a password.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from coursebridge.orgs.settings import Actor
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.errors import OrgNotFound
from coursebridge.store.orgs import OrgStore
from coursebridge.store.registration_urls import RegistrationUrl, RegistrationUrlStore

TOKEN_PARAM = "cb_registration"  # noqa: S105 - the query parameter's name
REGISTER_PATH = "/lti/register"
DEFAULT_EXPIRY = "7d"
MAX_SECONDS = 30 * 24 * 3600
_UNITS = {"m": 60, "h": 3600, "d": 24 * 3600}
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([mhd])\s*$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry_seconds(text: str) -> int:
    """``30m``, ``12h``, ``7d`` → seconds (``ValueError`` naming the rule)."""
    found = _DURATION.match(text or "")
    if not found:
        raise ValueError(f"{text!r} is not a duration like 30m, 12h or 7d")
    seconds = int(found.group(1)) * _UNITS[found.group(2)]
    if not 60 <= seconds <= MAX_SECONDS:
        raise ValueError("a registration URL lives at least 1 minute and at most 30 days")
    return seconds


@dataclass(frozen=True)
class IssuedUrl:
    url: str
    url_id: str
    expires_at: int


def issue_registration_url(org_id: str, base_url: str, *, seconds: int, actor: Actor) -> IssuedUrl:
    """A new registration URL for ``org_id`` under the tool's ``base_url``, audited
    (``registration-url-created``)."""
    if OrgStore().get(org_id, consistent=True) is None:
        raise OrgNotFound(org_id)
    token = secrets.token_urlsafe(32)
    now = now_epoch()
    url = RegistrationUrl(
        token_hash=token_hash(token),
        org_id=org_id,
        created_at=now,
        expires_at=now + seconds,
        created_by=actor.label,
    )
    audit = AuditRecord(
        org_id=org_id,
        action="registration-url-created",
        account_id=actor.account_id,
        actor=actor.label,
        details={"urlId": url.url_id, "expiresAt": str(url.expires_at)},
    )
    RegistrationUrlStore().create(url, audit)
    link = f"{base_url.rstrip('/')}{REGISTER_PATH}?{urlencode({TOKEN_PARAM: token})}"
    return IssuedUrl(url=link, url_id=url.url_id, expires_at=url.expires_at)
