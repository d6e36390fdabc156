"""Pending admin invitations (app table), stored by the *hash* of their token.

Item:
  INVITE#<sha256(token)> / TOKEN   accountId, orgId, schoolId, email, invitedBy,
                                   expiresAt, ``ttl`` (expiry is also checked on read)

``coursebridge admin add`` for an email whose account is not a member of the
organization grants nothing: it keeps one of these and emails its link. Accepting is
one transaction: the item is deleted (condition: still there, unexpired) together with
the grant on the account and the admin listing item, so a token works once and a
half-accepted invitation cannot exist.
"""

from __future__ import annotations

from typing import Any

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table
from coursebridge.store.transactions import single_use_delete


class PendingInvitation(Model):
    token_hash: str
    account_id: str
    org_id: str
    school_id: str
    email: str
    expires_at: int
    created_at: int

    @property
    def key(self) -> dict[str, str]:
        return keys.invitation(self.token_hash)

    def to_item(self) -> dict[str, Any]:
        return {
            **self.key,
            "kind": "admin-invitation",
            "accountId": self.account_id,
            "orgId": self.org_id,
            "schoolId": self.school_id,
            "email": self.email,
            "expiresAt": self.expires_at,
            "createdAt": self.created_at,
            "ttl": self.expires_at,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PendingInvitation:
        return cls(
            token_hash=item["pk"].removeprefix(keys.INVITE),
            account_id=item["accountId"],
            org_id=item["orgId"],
            school_id=item["schoolId"],
            email=item["email"],
            expires_at=int(item["expiresAt"]),
            created_at=int(item["createdAt"]),
        )

    def consume_action(self, now: int) -> dict:
        """TransactWriteItems Delete that fails if the token was used or has expired."""
        return single_use_delete(get_settings().app_table, self.key, now)


class InvitationStore:
    def put(self, pending: PendingInvitation) -> None:
        app_table().put_item(Item=pending.to_item(), ConditionExpression="attribute_not_exists(pk)")

    def get(self, token_hash: str) -> PendingInvitation | None:
        item = (
            app_table().get_item(Key=keys.invitation(token_hash), ConsistentRead=True).get("Item")
        )
        return PendingInvitation.from_item(item) if item else None

    def delete(self, pending: PendingInvitation) -> None:
        app_table().delete_item(Key=pending.key)
