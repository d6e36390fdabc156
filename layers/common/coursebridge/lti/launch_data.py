"""Login state on DynamoDB: one item per OIDC login, consumed exactly once.

Item (app table): ``LTISTATE#<state>`` / ``LOGIN`` with the nonce, the issuer and
client id of the login, a SHA-256 of the browser key (the secret held by the
browser in a cookie or in the platform's postMessage storage), ``expiresAt`` and
``ttl`` (DynamoDB TTL sweeps leftovers; ``expiresAt`` is checked because TTL
deletion is lazy).

The launch *deletes* the item with ``attribute_exists`` and ``ReturnValues=ALL_OLD``:
of two posts of the same state only one gets the item back, so state and nonce are
single-use even within the id_token's lifetime, in one DynamoDB call.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from botocore.exceptions import ClientError

from coursebridge.store import keys
from coursebridge.store.dynamo import app_table, is_conditional_failure

LOGIN_LIFETIME_SECONDS = 600  # the person has 10 minutes between login and launch


def key_hash(browser_key: str) -> str:
    return hashlib.sha256(browser_key.encode()).hexdigest()


@dataclass(frozen=True)
class LoginState:
    state: str
    nonce: str
    issuer: str
    client_id: str
    browser_key_hash: str
    storage_target: str | None
    expires_at: int

    def to_item(self) -> dict:
        item = {
            **keys.lti_state(self.state),
            "kind": "lti-login",
            "nonce": self.nonce,
            "issuer": self.issuer,
            "clientId": self.client_id,
            "browserKeyHash": self.browser_key_hash,
            "expiresAt": self.expires_at,
            "ttl": self.expires_at,
        }
        if self.storage_target:
            item["storageTarget"] = self.storage_target
        return item

    @classmethod
    def from_item(cls, item: dict) -> LoginState:
        return cls(
            state=item["pk"].removeprefix(keys.lti_state("")["pk"]),
            nonce=item["nonce"],
            issuer=item["issuer"],
            client_id=item["clientId"],
            browser_key_hash=item["browserKeyHash"],
            storage_target=item.get("storageTarget"),
            expires_at=int(item["expiresAt"]),
        )

    @property
    def expired(self) -> bool:
        return self.expires_at <= int(time.time())


class LoginStateStore:
    def save(self, login: LoginState) -> None:
        app_table().put_item(Item=login.to_item(), ConditionExpression="attribute_not_exists(pk)")

    def consume(self, state: str) -> LoginState | None:
        """Delete and return the login of ``state``; None if unknown or already used."""
        try:
            old = app_table().delete_item(
                Key=keys.lti_state(state),
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        return LoginState.from_item(old["Attributes"])

    def storage_target(self, state: str) -> str | None:
        """The platform storage frame named at login (read only, not consumed)."""
        item = app_table().get_item(Key=keys.lti_state(state), ConsistentRead=True).get("Item")
        return item.get("storageTarget") if item else None
