"""Upload tickets: the proof that an object under ``uploads/<adminId>/`` comes from that admin.

Whoever may write to the imports bucket can put an object under any prefix, so the key
alone proves nothing. The uploading side (``coursebridge import``, or the Admin
Portal's presigned POST in ``browser_upload.py``) issues a ticket as the admin and
stores it in the object's metadata as ``upload-ticket``; the importer accepts the
object only with a ticket that matches it.

A ticket is ``v1.<expiry epoch>.<base64url HMAC-SHA256>``. The HMAC covers the admin id,
the exact object key, the options that change what the import does (``dry-run``,
``send-welcome``, whether a ``custom-password`` is present) and the expiry; its key is
the session secret behind a prefix of its own, so a ticket never passes for a session
or a verification link, nor they for a ticket. The importer recomputes it from the
object it is given, so a ticket copied to another key (another admin's prefix
included) or to other options does not match. The expiry is compared with the time
S3 stored the object (``LastModified``): a queue that delivers late does not refuse a
good upload, and an old ticket cannot vouch for a new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from coursebridge.imports.options import ImportOptions, Upload

TICKET_METADATA = "upload-ticket"
TICKET_LIFETIME_SECONDS = 3600
MAX_TICKET_LENGTH = 200
_VERSION = "v1"
_DOMAIN = b"coursebridge/upload-ticket/v1:"


class TicketRefused(Exception):
    """The upload does not prove who sent it: ``code`` for scripts, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TicketTerms:
    """What a ticket vouches for: this admin uploads this key with these options."""

    key: str
    dry_run: bool
    send_welcome: bool
    custom_password: bool

    @classmethod
    def of(cls, key: str, options: ImportOptions) -> TicketTerms:
        return cls(key, options.dry_run, options.send_welcome, options.custom_password is not None)

    @property
    def admin_id(self) -> str:
        Upload.check_key(self.key)
        return self.key.split("/")[1]

    def message(self, expires_at: int) -> bytes:
        terms = {
            "admin": self.admin_id,
            "key": self.key,
            "dryRun": self.dry_run,
            "sendWelcome": self.send_welcome,
            "customPassword": self.custom_password,
            "expires": expires_at,
        }
        return _DOMAIN + json.dumps(terms, sort_keys=True, separators=(",", ":")).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature(secret: bytes, terms: TicketTerms, expires_at: int) -> str:
    return _b64(hmac.new(secret, terms.message(expires_at), hashlib.sha256).digest())


def issue_ticket(
    terms: TicketTerms, secret: bytes, now: int, lifetime: int = TICKET_LIFETIME_SECONDS
) -> str:
    expires_at = now + lifetime
    return f"{_VERSION}.{expires_at}.{_signature(secret, terms, expires_at)}"


def ticket_in(metadata: Mapping[str, str]) -> str | None:
    """The ticket of an object's user metadata (S3 lower-cases the names)."""
    return {k.lower(): v for k, v in metadata.items()}.get(TICKET_METADATA)


def check_ticket(ticket: str | None, terms: TicketTerms, secret: bytes, stored_at: int) -> None:
    """Raise TicketRefused unless ``ticket`` was issued for ``terms`` and was still valid
    when the object was stored (``stored_at``, epoch seconds)."""
    if not ticket:
        raise TicketRefused(
            "no_ticket",
            "The upload carries no upload ticket: upload from the Admin Portal's Create "
            "Users page or with `coursebridge import`, not straight to the bucket.",
        )
    expires_at, signature = _parse(ticket)
    expected = _signature(secret, terms, expires_at)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise TicketRefused(
            "wrong_ticket",
            "The upload ticket was not issued for this admin, this file name and these options.",
        )
    if expires_at <= stored_at:
        raise TicketRefused(
            "expired_ticket", "The upload ticket had expired when the file was stored."
        )


def _parse(ticket: str) -> tuple[int, str]:
    """The expiry and signature of a well-formed ticket."""
    parts = ticket.strip().split(".")
    well_formed = (
        len(ticket) <= MAX_TICKET_LENGTH
        and len(parts) == 3
        and parts[0] == _VERSION
        and parts[1].isdigit()
    )
    if not well_formed:
        raise TicketRefused("malformed_ticket", "The upload ticket is malformed.")
    return int(parts[1]), parts[2]
