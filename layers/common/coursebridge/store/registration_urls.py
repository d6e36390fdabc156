"""Dynamic Registration URLs (app table), stored by the *hash* of their token.

Item: ``REGURL#<sha256(token)>`` / ``TOKEN`` — ``urlId`` (``rurl_…``, a name for the
audit and the CLI, not a secret), ``orgId`` (the one organization the URL may register
a platform for), ``createdAt``, ``createdBy``, ``expiresAt``, and once used ``usedAt``
with ``usedFor`` (issuer, client id and registration id it made). ``ttl`` is a month
after expiry, so a used or expired URL is answered as such (not as unknown) meanwhile.

Single use: the write that stores the registration updates this item in the same
transaction, conditional on it being unused. Before the tool calls the LMS's
registration endpoint it *claims* the URL (``claimId``, ``claimUntil``: a one-minute
lease), so two POSTs of one page never both register a client at the LMS; a failed
call releases the claim and the URL can be used again.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import app_table, is_conditional_failure, new_id
from coursebridge.store.transactions import transact

KEPT_AFTER_EXPIRY = 30 * 24 * 3600
CLAIM_SECONDS = 60


class RegistrationUrl(Model):
    token_hash: str = Field(min_length=64, max_length=64)
    org_id: str = Field(min_length=1)
    expires_at: int
    created_at: int
    created_by: str = ""
    url_id: str = Field(default_factory=lambda: new_id("rurl"))
    used_at: int | None = None
    used_for: dict[str, str] = Field(default_factory=dict)
    claim_id: str | None = None
    claim_until: int | None = None

    @property
    def key(self) -> keys.Key:
        return keys.registration_url(self.token_hash)

    def state(self, now: int) -> str:
        """``used``, ``expired``, ``busy`` (claimed by a registration in progress) or
        ``usable``."""
        if self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        if self.claim_until is not None and self.claim_until > now:
            return "busy"
        return "usable"

    def to_item(self) -> dict[str, Any]:
        return {
            **self.key,
            "kind": "registration-url",
            "urlId": self.url_id,
            "orgId": self.org_id,
            "createdAt": self.created_at,
            "createdBy": self.created_by,
            "expiresAt": self.expires_at,
            "ttl": self.expires_at + KEPT_AFTER_EXPIRY,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RegistrationUrl:
        return cls(
            token_hash=item["pk"].removeprefix(keys.REGURL),
            url_id=item["urlId"],
            org_id=item["orgId"],
            created_at=int(item["createdAt"]),
            created_by=item.get("createdBy", ""),
            expires_at=int(item["expiresAt"]),
            used_at=int(item["usedAt"]) if "usedAt" in item else None,
            used_for={k: str(v) for k, v in (item.get("usedFor") or {}).items()},
            claim_id=item.get("claimId"),
            claim_until=int(item["claimUntil"]) if "claimUntil" in item else None,
        )

    def used_action(self, claim_id: str, now: int, used_for: dict[str, str]) -> dict:
        """TransactWriteItems Update marking the URL used: refused unless it is still
        unused and this caller's claim is the one on it."""
        return {
            "Update": {
                "TableName": get_settings().app_table,
                "Key": self.key,
                "UpdateExpression": "SET usedAt = :now, usedFor = :for REMOVE claimId, claimUntil",
                "ConditionExpression": "attribute_not_exists(usedAt) AND claimId = :claim",
                "ExpressionAttributeValues": {":now": now, ":for": used_for, ":claim": claim_id},
            }
        }


class RegistrationUrlStore:
    def create(self, url: RegistrationUrl, audit: AuditRecord) -> None:
        put = {
            "Put": {
                "TableName": get_settings().app_table,
                "Item": url.to_item(),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        transact([put, audit.put_action()])

    def get(self, token_hash: str) -> RegistrationUrl | None:
        item = app_table().get_item(Key=keys.registration_url(token_hash), ConsistentRead=True)
        found = item.get("Item")
        return RegistrationUrl.from_item(found) if found else None

    def claim(self, url: RegistrationUrl, now: int) -> str | None:
        """Claim the unused, unexpired, unclaimed URL for one registration: the claim id,
        or None when another request holds it or it was used or expired meanwhile."""
        claim_id = new_id("claim")
        try:
            app_table().update_item(
                Key=url.key,
                UpdateExpression="SET claimId = :claim, claimUntil = :until",
                ConditionExpression=(
                    "attribute_exists(pk) AND attribute_not_exists(usedAt) AND expiresAt > :now"
                    " AND (attribute_not_exists(claimUntil) OR claimUntil <= :now)"
                ),
                ExpressionAttributeValues={
                    ":claim": claim_id,
                    ":until": now + CLAIM_SECONDS,
                    ":now": now,
                },
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        return claim_id

    def release(self, url: RegistrationUrl, claim_id: str) -> None:
        """Give the URL back after a registration that did not happen (the LMS refused,
        or answered with a client that cannot be stored)."""
        try:
            app_table().update_item(
                Key=url.key,
                UpdateExpression="REMOVE claimId, claimUntil",
                ConditionExpression="claimId = :claim",
                ExpressionAttributeValues={":claim": claim_id},
            )
        except ClientError as error:
            if not is_conditional_failure(error):  # the claim expired and was taken
                raise
