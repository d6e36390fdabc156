"""Launch → account (SPEC §3). CONTRACT used by the launch handler.

``resolve_launch_account`` is the only entry point the launch calls. This first
version implements the known-link and create-new rules only; the accounts issue
completes the rules (teacher email match + verification, students, studentIdField,
anonymous, trial orgs) behind the same signature and outcome types.
"""

from __future__ import annotations

from dataclasses import dataclass

from coursebridge.lti.claims import LaunchClaims
from coursebridge.sessions import Role
from coursebridge.store.accounts import Account, AccountStore, EmailAlreadyClaimed
from coursebridge.store.dynamo import now_epoch, users_table
from coursebridge.store.orgs import Org

TEACHER_ROLE_MARKERS = (
    "Instructor",
    "Administrator",
    "TeachingAssistant",
    "ContentDeveloper",
    "Mentor",
)


@dataclass(frozen=True)
class Entered:
    """The user is signed in as ``account`` with this class role."""

    account: Account
    role: Role
    read_only: bool = False
    mentee_subs: tuple[str, ...] | None = None


@dataclass(frozen=True)
class VerificationRequired:
    """A verification email went to ``email``; the user is in after clicking it."""

    email: str


@dataclass(frozen=True)
class TrialBlocked:
    """The org is in trial mode: no student account is created via LTI."""


AccountOutcome = Entered | VerificationRequired | TrialBlocked


def class_role(roles: list[str]) -> tuple[Role, bool]:
    """(role, read_only) for the launch's LTI roles."""
    if any(r.endswith("Mentor") for r in roles) and not any(
        m in r for r in roles for m in TEACHER_ROLE_MARKERS[:-1]
    ):
        return "TEACHER", True
    if any(m in r for r in roles for m in TEACHER_ROLE_MARKERS):
        return "TEACHER", False
    return "STUDENT", False


def resolve_launch_account(
    claims: LaunchClaims, org: Org, accounts: AccountStore | None = None
) -> AccountOutcome:
    accounts = accounts or AccountStore()
    role, read_only = class_role(claims.roles)
    link_key = {"platform": claims.issuer, "userId": claims.sub or f"anon:{claims.launch_id}"}
    link = users_table().get_item(Key=link_key, ConsistentRead=True).get("Item")
    if link:
        account = accounts.get(link["accountId"])
        if account:
            return Entered(account, role, read_only)
    account = Account(
        email=claims.email,
        first_name=claims.given_name or "",
        last_name=claims.family_name or "",
        display_name=claims.name or "",
        is_teacher=role == "TEACHER",
        orgs={org.org_id},
    )
    link_put = {
        "Put": {
            "TableName": users_table().name,
            "Item": {
                **link_key,
                "kind": "lms-link",
                "accountId": account.account_id,
                "createdAt": now_epoch(),
            },
            "ConditionExpression": "attribute_not_exists(userId)",
        }
    }
    try:
        accounts.create(account, extra_actions=[link_put])
    except EmailAlreadyClaimed:
        account.email = None
        accounts.create(account, extra_actions=[link_put])
    return Entered(account, role, read_only)
