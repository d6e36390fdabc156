"""Email verification for a teacher whose account belongs to another organization.

Token: ``<32 random bytes, b64url>.<expiry epoch>.<HMAC-SHA256(secret, random.expiry)>``
signed with the session secret (domain-separated). Signature and expiry are checked
before any read; the table keeps only the token's SHA-256 (store/verifications.py).
The email goes out at most once a minute per LMS user and org, and at most
``ADDRESS_LIMIT`` times an hour to one address whatever the LMS ids (a registration
inventing LMS users cannot flood an inbox). The emailed link opens a page that names
the organization and the LMS; only that page's POST links (accounts/confirm.py): mail
scanners open every link in an email, and a GET must never act.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar
from urllib.parse import urlencode, urlsplit

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from coursebridge.accounts.outcomes import VerificationRequired
from coursebridge.accounts.verification_email import verification_email
from coursebridge.lti.claims import LaunchClaims
from coursebridge.lti.errors import LaunchRejected
from coursebridge.notify.mailer import Mailer, SendsEmail
from coursebridge.sessions import _SecretCache
from coursebridge.store.accounts import Account
from coursebridge.store.audit import AuditRecord, AuditStore
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.orgs import Org
from coursebridge.store.verifications import PendingVerification, VerificationStore

logger = Logger(child=True)

VERIFY_PATH = "/app/verify"
TOKEN_LIFETIME_SECONDS = 24 * 3600
RESEND_AFTER_SECONDS = 60
ADDRESS_LIMIT = 3
ADDRESS_WINDOW_SECONDS = 3600
MAX_TOKEN_LENGTH = 200
_DOMAIN = b"coursebridge/verify-email/v1:"


class VerificationFailed(Exception):
    """A verification link that cannot be used: ``status`` and a message for the page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


def invalid_link() -> VerificationFailed:
    return VerificationFailed(
        400,
        "Invalid link",
        "This verification link is not valid. Open it from the email, with nothing cut off.",
    )


def expired_link() -> VerificationFailed:
    return VerificationFailed(
        410,
        "Link expired or already used",
        "This verification link has expired or was already used. Open the course from "
        "your LMS again to get a new email.",
    )


class VerificationEmailFailed(LaunchRejected):
    """SES did not take the verification email; nothing was kept, the user may retry.

    A LaunchRejected, so the launch handler's one error mapping shows it as a page.
    """

    def __init__(self, email: str) -> None:
        super().__init__(
            "verification-email",
            f"We could not send the verification email to {email}. Open the activity "
            "again in a few minutes.",
            status=503,
        )
        self.email = email


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(secret: bytes, body: str, domain: bytes = _DOMAIN) -> str:
    return _b64(hmac.new(secret, domain + body.encode(), hashlib.sha256).digest())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    secret: bytes, now: int, lifetime: int = TOKEN_LIFETIME_SECONDS, domain: bytes = _DOMAIN
) -> tuple[str, int]:
    """A new token and its expiry (epoch seconds). ``domain`` separates token kinds: a
    token issued for one purpose never checks for another."""
    expires_at = now + lifetime
    body = f"{_b64(secrets.token_bytes(32))}.{expires_at}"
    return f"{body}.{_signature(secret, body, domain)}", expires_at


def check_token(token: object, secret: bytes, now: int, domain: bytes = _DOMAIN) -> str:
    """The token's hash if it is well-formed, signed by us for ``domain`` and unexpired."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise invalid_link()
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise invalid_link()
    expected = _signature(secret, f"{parts[0]}.{parts[1]}", domain)
    if not hmac.compare_digest(parts[2].encode(), expected.encode()):
        raise invalid_link()
    if int(parts[1]) <= now:
        raise expired_link()
    return token_hash(token)


class _Expiring(Protocol):
    expires_at: int


P = TypeVar("P", bound=_Expiring)


def open_emailed_token(
    token: object,
    secret: bytes,
    now: int,
    find: Callable[[str], P | None],
    domain: bytes = _DOMAIN,
) -> P:
    """The pending item an emailed link's ``token`` stands for (verification or
    invitation): signature and expiry checked before the read, the item looked up by
    the token's hash, and refused when it is gone or expired. Reads only."""
    pending = find(check_token(token, secret, now, domain))
    if pending is None or pending.expires_at <= now:
        raise expired_link()
    return pending


def verify_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{VERIFY_PATH}?{urlencode({'token': token})}"


def base_url_of(claims: LaunchClaims) -> str:
    """Our public origin as the platform knows it: the launch URL is the tool's own."""
    parts = urlsplit(claims.target_link_uri)
    return f"{parts.scheme}://{parts.netloc}"


def actor_of(claims: LaunchClaims) -> str:
    return f"{claims.issuer} {claims.client_id} {claims.sub or '(no sub)'}"


@dataclass
class Verifications:
    """Starts verifications; every collaborator can be replaced in tests."""

    store: VerificationStore = field(default_factory=VerificationStore)
    mailer: SendsEmail = field(default_factory=Mailer)
    audit: AuditStore = field(default_factory=AuditStore)
    secret: Callable[[], bytes] = _SecretCache.get
    clock: Callable[[], int] = now_epoch

    def start(
        self,
        claims: LaunchClaims,
        org: Org,
        account: Account,
        email: str,
        base_url: str | None = None,
    ) -> VerificationRequired:
        """Keep a pending verification (hashed token) and email its link to ``email``."""
        sub = claims.sub or ""
        now = self.clock()
        if not self.store.claim_send_slot(
            org.org_id, claims.registration_id, sub, now, RESEND_AFTER_SECONDS
        ):
            logger.info("verification email sent recently; not resending")
            return VerificationRequired(email)
        if not self.store.claim_address_slot(email, now, ADDRESS_LIMIT, ADDRESS_WINDOW_SECONDS):
            logger.warning("verification emails to this address throttled")
            return VerificationRequired(email)
        token, expires_at = issue_token(self.secret(), now)
        pending = PendingVerification(
            token_hash=token_hash(token),
            account_id=account.account_id,
            org_id=org.org_id,
            email=email,
            claims_json=claims.model_dump_json(),
            expires_at=expires_at,
            created_at=now,
        )
        self.store.put(pending)
        link = verify_url(base_url or base_url_of(claims), token)
        message = verification_email(email, org.name, link, TOKEN_LIFETIME_SECONDS // 3600)
        try:
            self.mailer.send(message)
        except (ClientError, BotoCoreError) as error:
            logger.warning("verification email not sent", extra={"error": str(error)})
            self.store.delete(pending)
            self.store.release_send_slot(org.org_id, claims.registration_id, sub)
            raise VerificationEmailFailed(email) from None
        self.audit.record(
            AuditRecord(
                org_id=org.org_id,
                action="verification-sent",
                account_id=account.account_id,
                actor=actor_of(claims),
                launch_id=claims.launch_id,
                details={"email": email},
            )
        )
        return VerificationRequired(email)
