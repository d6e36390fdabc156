"""Accounts and their uniqueness claims (users table: ``platform`` + ``userId``).

Items (keys: store/keys.py):
  ACCOUNT#<accountId>          / <accountId>  the account; ``email`` (lower-case) only when
                                              it holds the email, which keeps email-index sparse
  EMAIL#<email>                / <email>      claim: which account holds an email
  ISSUED#<schoolId>#<issuedID> / <issuedID>   claim: which account holds a school's issuedID
  LINK#<registrationId>#<sub>  / <sub>        LMS link (store/links.py)
Claims (store/claims.py) are written in the same transaction as the account, with
conditions, so two concurrent writers can never both hold one email: the GSI (eventually
consistent) is only used for look-ups, never for uniqueness. ``linkedAt`` on the account is set
by the first LMS link, so "an account with no LMS link yet" is one condition.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from coursebridge.settings import get_settings
from coursebridge.store import claims, keys
from coursebridge.store.dynamo import new_id, now_epoch, users_table
from coursebridge.store.errors import EmailAlreadyClaimed, IssuedIdAlreadyClaimed
from coursebridge.store.transactions import transact

__all__ = ["Account", "AccountStore", "EmailAlreadyClaimed", "IssuedIdAlreadyClaimed"]


def normalize_email(email: str | None) -> str | None:
    if email is None:
        return None
    cleaned = email.strip().lower()
    return cleaned or None


class Account(BaseModel):
    account_id: str = Field(default_factory=lambda: new_id("acc"))
    email: str | None = None
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    is_teacher: bool = False
    orgs: set[str] = Field(default_factory=set)
    schools: set[str] = Field(default_factory=set)
    admin_schools: set[str] = Field(default_factory=set)
    issued_ids: dict[str, str] = Field(default_factory=dict)  # schoolID → issuedID
    student_id: str | None = None
    password_hash: str | None = None
    must_change_password: bool = False
    # Raised by every password change: a signed-in session of an older epoch has ended.
    session_epoch: int = 0
    source: str = "lti"
    linked_at: int | None = None  # when the first LMS link was made
    created_at: int = Field(default_factory=now_epoch)
    updated_at: int = Field(default_factory=now_epoch)

    @property
    def name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.display_name

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            **keys.account(self.account_id),
            "kind": "account",
            "firstName": self.first_name,
            "lastName": self.last_name,
            "displayName": self.display_name,
            "isTeacher": self.is_teacher,
            "issuedIds": self.issued_ids,
            "mustChangePassword": self.must_change_password,
            "sessionEpoch": self.session_epoch,
            "source": self.source,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }
        # DynamoDB rejects empty sets and the sparse GSI wants no empty email.
        for attr, value in (
            ("orgs", self.orgs),
            ("schools", self.schools),
            ("adminSchools", self.admin_schools),
        ):
            if value:
                item[attr] = set(value)
        for attr, scalar in (
            ("email", self.email),
            ("studentId", self.student_id),
            ("passwordHash", self.password_hash),
            ("linkedAt", self.linked_at),
        ):
            if scalar:
                item[attr] = scalar
        return item

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Account:
        return cls(
            account_id=item["userId"],
            email=item.get("email"),
            first_name=item.get("firstName", ""),
            last_name=item.get("lastName", ""),
            display_name=item.get("displayName", ""),
            is_teacher=bool(item.get("isTeacher")),
            orgs=set(item.get("orgs", ())),
            schools=set(item.get("schools", ())),
            admin_schools=set(item.get("adminSchools", ())),
            issued_ids=dict(item.get("issuedIds", {})),
            student_id=item.get("studentId"),
            password_hash=item.get("passwordHash"),
            must_change_password=bool(item.get("mustChangePassword")),
            session_epoch=int(item.get("sessionEpoch", 0)),
            source=item.get("source", "lti"),
            linked_at=int(item["linkedAt"]) if item.get("linkedAt") else None,
            created_at=int(item.get("createdAt", 0)),
            updated_at=int(item.get("updatedAt", 0)),
        )


class AccountStore:
    def get(self, account_id: str, consistent: bool = False) -> Account | None:
        item = (
            users_table()
            .get_item(Key=keys.account(account_id), ConsistentRead=consistent)
            .get("Item")
        )
        return Account.from_item(item) if item else None

    def issued_holder(self, school_id: str, issued_id: str) -> str | None:
        """Which account holds a school's issuedID (consistent read of the claim)."""
        item = (
            users_table()
            .get_item(
                Key=keys.issued_claim(school_id, issued_id),
                ConsistentRead=True,
            )
            .get("Item")
        )
        return item["accountId"] if item else None

    def account_id_for_email(self, email: str) -> str | None:
        """Strongly consistent look-up through the email claim (not the GSI)."""
        key = normalize_email(email)
        if not key:
            return None
        item = users_table().get_item(Key=keys.email_claim(key), ConsistentRead=True).get("Item")
        return item["accountId"] if item else None

    def claim_actions(self, account: Account) -> list[dict]:
        """TransactWriteItems actions that create ``account`` with its claims."""
        table = get_settings().users_table
        put = {"TableName": table, "Item": account.to_item(), "ConditionExpression": claims.FREE}
        return [
            {"Put": put},
            *claims.claim_actions(table, account.account_id, account.email, account.issued_ids),
        ]

    def create(self, account: Account, extra_actions: list[dict] | None = None) -> Account:
        """Create the account and claim its email and issuedIDs in one transaction.

        Raises EmailAlreadyClaimed / IssuedIdAlreadyClaimed when another account holds
        one of them (or WriteConflict); nothing is written then.
        """
        account.email = normalize_email(account.email)
        transact(self.claim_actions(account) + list(extra_actions or []))
        return account

    def grant_admin(self, account_id: str, org_id: str, school_id: str) -> None:
        """Make the account an admin of one school (and a member of its org)."""
        users_table().update_item(**_grant_admin(account_id, org_id, school_id))

    def grant_admin_action(self, account_id: str, org_id: str, school_id: str) -> dict:
        """The same grant as a TransactWriteItems Update (an accepted invitation)."""
        return {
            "Update": {
                "TableName": get_settings().users_table,
                **_grant_admin(account_id, org_id, school_id),
            }
        }


def _grant_admin(account_id: str, org_id: str, school_id: str) -> dict[str, Any]:
    return {
        "Key": keys.account(account_id),
        "UpdateExpression": "ADD adminSchools :school, orgs :org, schools :school "
        "SET updatedAt = :now",
        "ConditionExpression": "attribute_exists(userId)",
        "ExpressionAttributeValues": {
            ":school": {school_id},
            ":org": {org_id},
            ":now": now_epoch(),
        },
    }
