"""Pending email verifications (app table), stored by the *hash* of their token.

Items:
  VERIFY#<sha256(token)>            / TOKEN   account, org, the launch's claims, expiresAt;
                                              ``ttl`` lets DynamoDB remove it later, but
                                              expiry is checked on read (TTL is lazy)
  VERIFYSENT#<org>#<registration>#<sub> / SENT  when the last email went out to this LMS
                                              user (throttle per LMS user)
  VERIFYADDR#<sha256(email)>        / WINDOW  emails sent to one address in the current
                                              window (throttle per address, whatever the
                                              LMS ids: six made-up LMS users still reach
                                              one inbox only a few times an hour)
The token itself is never stored: a leaked table cannot be used to join an org.
Single use: the TOKEN item is deleted with a condition in the same transaction that
creates the link.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, is_conditional_failure
from coursebridge.store.throttle import claim_window_slot
from coursebridge.store.transactions import single_use_delete


class PendingVerification(Model):
    token_hash: str
    account_id: str
    org_id: str
    email: str
    claims_json: str  # the LaunchClaims of the launch that asked, to finish it later
    expires_at: int
    created_at: int

    @property
    def key(self) -> dict[str, str]:
        return keys.verification(self.token_hash)

    def to_item(self) -> dict[str, Any]:
        return {
            **self.key,
            "kind": "verification",
            "accountId": self.account_id,
            "orgId": self.org_id,
            "email": self.email,
            "claims": self.claims_json,
            "expiresAt": self.expires_at,
            "createdAt": self.created_at,
            "ttl": self.expires_at,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PendingVerification:
        return cls(
            token_hash=item["pk"].removeprefix(keys.VERIFY),
            account_id=item["accountId"],
            org_id=item["orgId"],
            email=item["email"],
            claims_json=item["claims"],
            expires_at=int(item["expiresAt"]),
            created_at=int(item["createdAt"]),
        )

    def consume_action(self, now: int) -> dict:
        """TransactWriteItems Delete that fails if the token was used or has expired."""
        return single_use_delete(get_settings().app_table, self.key, now)


_sent_key = keys.verification_sent
_address_key = keys.verification_address


class VerificationStore:
    def put(self, pending: PendingVerification) -> None:
        app_table().put_item(Item=pending.to_item(), ConditionExpression="attribute_not_exists(pk)")

    def get(self, token_hash: str) -> PendingVerification | None:
        item = (
            app_table().get_item(Key=keys.verification(token_hash), ConsistentRead=True).get("Item")
        )
        return PendingVerification.from_item(item) if item else None

    def delete(self, pending: PendingVerification) -> None:
        app_table().delete_item(Key=pending.key)

    def claim_send_slot(
        self, org_id: str, registration_id: str, sub: str, now: int, every: int
    ) -> bool:
        """True if no email went to this LMS user for this org in the last ``every`` s."""
        try:
            app_table().put_item(
                Item={
                    **_sent_key(org_id, registration_id, sub),
                    "kind": "verification-sent",
                    "sentAt": now,
                    "ttl": now + every,
                },
                ConditionExpression="attribute_not_exists(pk) OR sentAt <= :cutoff",
                ExpressionAttributeValues={":cutoff": now - every},
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def release_send_slot(self, org_id: str, registration_id: str, sub: str) -> None:
        app_table().delete_item(Key=_sent_key(org_id, registration_id, sub))

    def claim_address_slot(self, email: str, now: int, limit: int, window: int) -> bool:
        """True if fewer than ``limit`` emails went to ``email`` in the current window."""
        return claim_window_slot(_address_key(email), "verification-address", now, limit, window)
