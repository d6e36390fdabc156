"""LMS links (users table): which account an LMS identity is.

An LMS identity is a ``sub`` *as vouched for by one platform registration*: the key
holds the registration's id, not the issuer, so another registration of the same
issuer (another organization's, with its own keys) never reaches these links.

Item: ``LINK#<registrationId>#<sub>`` / ``<sub>`` (a sub over 1000 bytes by its SHA-256,
store/keys.py) → accountId, registrationId, issuer, plus what the LMS last said about the
person (``lmsEmail``, ``lmsGivenName``, ``lmsFamilyName``, ``lmsName``) so a launch
can tell a *change* in the LMS from a value that was never copied. The last-seen
email is deliberately not called ``email``: that name feeds the email-index GSI.
A link is only ever created with ``attribute_not_exists(userId)`` in the same
transaction as the account (or the account update) it points to.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from pydantic import Field

from coursebridge.model import Model
from coursebridge.settings import get_settings
from coursebridge.store import claims, keys
from coursebridge.store.dynamo import batch_get, is_conditional_failure, now_epoch, users_table


class LmsLink(Model):
    registration_id: str
    issuer: str
    sub: str
    account_id: str
    org_id: str
    deployment_id: str = ""
    lms_email: str | None = None
    lms_given_name: str = ""
    lms_family_name: str = ""
    lms_name: str = ""
    version: int = 0  # +1 at every refresh: concurrent launches copy a change once
    created_at: int = Field(default_factory=now_epoch)
    updated_at: int = Field(default_factory=now_epoch)

    @property
    def key(self) -> dict[str, str]:
        return keys.lms_link(self.registration_id, self.sub)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            **self.key,
            "kind": "lms-link",
            "registrationId": self.registration_id,
            "issuer": self.issuer,
            "sub": self.sub,
            "accountId": self.account_id,
            "orgId": self.org_id,
            "deploymentId": self.deployment_id,
            "lmsGivenName": self.lms_given_name,
            "lmsFamilyName": self.lms_family_name,
            "lmsName": self.lms_name,
            "version": self.version,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        if self.lms_email:
            item["lmsEmail"] = self.lms_email
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> LmsLink:
        return cls(
            registration_id=item["registrationId"],
            issuer=item.get("issuer", ""),
            sub=item.get("sub", item["userId"]),
            account_id=item["accountId"],
            org_id=item.get("orgId", ""),
            deployment_id=item.get("deploymentId", ""),
            lms_email=item.get("lmsEmail"),
            lms_given_name=item.get("lmsGivenName", ""),
            lms_family_name=item.get("lmsFamilyName", ""),
            lms_name=item.get("lmsName", ""),
            version=int(item.get("version", 0)),
            created_at=int(item.get("createdAt", 0)),
            updated_at=int(item.get("updatedAt", 0)),
        )

    def put_action(self, table: str) -> dict:
        """TransactWriteItems Put that creates this link, failing if it exists."""
        return {
            "Put": {
                "TableName": table,
                "Item": self.to_item(),
                "ConditionExpression": claims.FREE,
            }
        }


class LinkStore:
    def get_many(self, registration_id: str, subs: list[str]) -> dict[str, LmsLink]:
        """The links of these subs of one registration (consistent BatchGetItem, 100 keys a
        call): sub → link, for the subs that have one."""
        wanted = [keys.lms_link(registration_id, sub) for sub in subs]
        found = batch_get(
            get_settings().users_table, wanted, consistent=True, key_names=("platform", "userId")
        )
        links = (LmsLink.from_item(item) for item in found.values())
        return {link.sub: link for link in links}

    def get(self, registration_id: str, sub: str) -> LmsLink | None:
        item = (
            users_table()
            .get_item(Key=keys.lms_link(registration_id, sub), ConsistentRead=True)
            .get("Item")
        )
        return LmsLink.from_item(item) if item else None

    def delete_dangling(self, link: LmsLink) -> None:
        """Remove a link whose account no longer exists (only if it still points there)."""
        try:
            users_table().delete_item(
                Key=link.key,
                ConditionExpression="accountId = :account",
                ExpressionAttributeValues={":account": link.account_id},
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise
