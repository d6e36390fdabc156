"""Helpers for the account-mapping tests: launches, orgs and what the users table holds."""

from __future__ import annotations

import itertools
from typing import Any

from coursebridge.lti.claims import LaunchClaims
from coursebridge.notify.mailer import Email
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.audit import AuditStore
from coursebridge.store.dynamo import users_table
from coursebridge.store.links import LinkStore
from coursebridge.store.orgs import Org, OrgStore

ISSUER = "https://lms.example.edu"
OTHER_ISSUER = "https://other-lms.example.org"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
_launches = itertools.count(1)


def launch(
    sub: str | None = "user-1",
    *,
    roles: list[str] | None = None,
    email: str | None = "ada@example.edu",
    name: str | None = "Ada Lovelace",
    given_name: str | None = "Ada",
    family_name: str | None = "Lovelace",
    issuer: str = ISSUER,
    registration_id: str | None = None,
    tool_url: str = "https://tool.example.com",
    **extra: Any,
) -> LaunchClaims:
    return LaunchClaims(
        launch_id=f"launch-{next(_launches)}",
        issuer=issuer,
        client_id="client-1",
        registration_id=registration_id or registration_of(issuer),
        deployment_id="dep-1",
        message_type="LtiResourceLinkRequest",
        target_link_uri=f"{tool_url}/lti/launch",
        sub=sub,
        email=email,
        name=name,
        given_name=given_name,
        family_name=family_name,
        roles=[LEARNER] if roles is None else roles,
        context_id="course-1",
        context_title="Course One",
        resource_link_id="link-1",
        resource_link_title="Unit One",
        **extra,
    )


def registration_of(issuer: str) -> str:
    """The registration id these rule tests use for launches from ``issuer``."""
    return "reg_" + issuer.removeprefix("https://").replace(".", "-")


def make_org(org_id: str = "acme", **settings: Any) -> Org:
    org = Org(org_id=org_id, name=f"{org_id.title()} Schools", **settings)
    OrgStore().create(org)
    return org


def make_account(email: str | None, **fields: Any) -> Account:
    return AccountStore().create(Account(email=email, **fields))


def users_of_kind(kind: str) -> list[dict]:
    """Every users-table item of one kind (a Scan: each account, claim and link has a
    partition of its own, so no query reads "all" of them)."""
    items: list[dict] = []
    scan: dict[str, Any] = {
        "FilterExpression": "#kind = :kind",
        "ExpressionAttributeNames": {"#kind": "kind"},
        "ExpressionAttributeValues": {":kind": kind},
        "ConsistentRead": True,
    }
    while True:
        page = users_table().scan(**scan)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def all_accounts() -> list[Account]:
    return [Account.from_item(i) for i in users_of_kind("account")]


def links_of(issuer: str = ISSUER) -> list[dict]:
    registration = registration_of(issuer)
    return [i for i in users_of_kind("lms-link") if i["registrationId"] == registration]


def email_claims() -> dict[str, str]:
    return {i["userId"]: i["accountId"] for i in users_of_kind("email-claim")}


def issued_claims(school_id: str) -> dict[str, str]:
    """issuedID → account of one school's claims."""
    return {
        i["userId"]: i["accountId"]
        for i in users_of_kind("issued-claim")
        if i["schoolId"] == school_id
    }


def link_target(sub: str, issuer: str = ISSUER) -> str | None:
    link = LinkStore().get(registration_of(issuer), sub)
    return link.account_id if link else None


def audit_actions(org_id: str) -> list[str]:
    return [r.action for r in AuditStore().list_for_org(org_id)]


class FakeMailer:
    """Collects emails instead of sending them (for tests that are about the rules)."""

    def __init__(self) -> None:
        self.sent: list[Email] = []

    def send(self, email: Email) -> str:
        self.sent.append(email)
        return f"fake-{len(self.sent)}"
