"""Pending password resets (app table), stored by the *hash* of their token.

Items:
  RESET#<sha256(token)>          / TOKEN   accountId, sessionEpoch (the account's when the
                                           link was sent), expiresAt, createdAt, ``ttl``
  RESETADDR#<sha256(email)>      / WINDOW  reset emails sent to one address this hour
  RESETFROM#<sha256(client ip)>  / WINDOW  reset requests from one client address this hour
The token itself is never stored: a leaked table cannot set anyone's password. Single
use: the TOKEN item is deleted, conditionally and unexpired, in the same transaction that
sets the password — and that update is conditional on ``sessionEpoch`` being the one the
link was sent at, so any password change since (another link used, a change after
signing in) makes every older link useless too.
"""

from __future__ import annotations

from typing import Any

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import keys
from coursebridge.store.dynamo import app_table
from coursebridge.store.throttle import claim_window_slot
from coursebridge.store.transactions import single_use_delete


class PendingReset(Model):
    token_hash: str
    account_id: str
    session_epoch: int
    expires_at: int
    created_at: int

    @property
    def key(self) -> dict[str, str]:
        return keys.password_reset(self.token_hash)

    def to_item(self) -> dict[str, Any]:
        return {
            **self.key,
            "kind": "password-reset",
            "accountId": self.account_id,
            "sessionEpoch": self.session_epoch,
            "expiresAt": self.expires_at,
            "createdAt": self.created_at,
            "ttl": self.expires_at,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> PendingReset:
        return cls(
            token_hash=item["pk"].removeprefix(keys.RESET),
            account_id=item["accountId"],
            session_epoch=int(item["sessionEpoch"]),
            expires_at=int(item["expiresAt"]),
            created_at=int(item["createdAt"]),
        )

    def consume_action(self, now: int) -> dict:
        """TransactWriteItems Delete that fails (TokenGone) if the link was used or expired."""
        return single_use_delete(get_settings().app_table, self.key, now)


class PasswordResetStore:
    def put(self, pending: PendingReset) -> None:
        app_table().put_item(Item=pending.to_item(), ConditionExpression="attribute_not_exists(pk)")

    def get(self, token_hash: str) -> PendingReset | None:
        key = keys.password_reset(token_hash)
        item = app_table().get_item(Key=key, ConsistentRead=True).get("Item")
        return PendingReset.from_item(item) if item else None

    def delete(self, pending: PendingReset) -> None:
        app_table().delete_item(Key=pending.key)

    def claim_address_slot(self, email: str, now: int, limit: int, window: int) -> bool:
        key = keys.password_reset_address(email)
        return claim_window_slot(key, "password-reset-address", now, limit, window)

    def claim_client_slot(self, address: str, now: int, limit: int, window: int) -> bool:
        key = keys.password_reset_client(address)
        return claim_window_slot(key, "password-reset-client", now, limit, window)
