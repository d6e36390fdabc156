"""A launch's claims, an org and ``resolve`` over an in-memory World (fake_accounts.py),
for the account rules of a launch (test_accounts_resolve_*.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from coursebridge.accounts.outcomes import VerificationRequired
from coursebridge.accounts.resolve import resolve_launch_account
from coursebridge.lti.claims import LaunchClaims
from coursebridge.store.accounts import Account
from coursebridge.store.links import LmsLink
from coursebridge.store.orgs import Org
from tests.unit.fake_accounts import World

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
REGISTRATION = "reg_acme"
ACME = Org(org_id="acme", name="Acme", schools=["north", "south"])
CSV_ORG = ACME.model_copy(update={"student_id_field": "sis_id"})
TRIAL = ACME.model_copy(update={"trial": True})


def claims(**fields) -> LaunchClaims:
    base = {
        "launch_id": "launch-1",
        "issuer": "https://lms.example",
        "client_id": "client-1",
        "registration_id": REGISTRATION,
        "deployment_id": "dep-1",
        "message_type": "LtiResourceLinkRequest",
        "target_link_uri": "https://tool.example/lti/launch",
        "sub": "sub-1",
        "email": "ann@school.edu",
        "given_name": "Ann",
        "family_name": "Lee",
        "name": "Ann Lee",
        "roles": [LEARNER],
    }
    return LaunchClaims(**{**base, **fields})


def teacher(**fields) -> LaunchClaims:
    return claims(roles=[INSTRUCTOR], **fields)


def account(account_id: str, **fields) -> Account:
    base = {"email": None, "first_name": "Ann", "last_name": "Lee", "display_name": "Ann Lee"}
    return Account(account_id=account_id, **{**base, **fields})


def link_to(account_id: str, **fields) -> LmsLink:
    base = {
        "registration_id": REGISTRATION,
        "issuer": "https://lms.example",
        "sub": "sub-1",
        "account_id": account_id,
        "org_id": "acme",
        "lms_email": "ann@school.edu",
        "lms_given_name": "Ann",
        "lms_family_name": "Lee",
        "lms_name": "Ann Lee",
    }
    return LmsLink(**{**base, **fields})


@dataclass
class Mailbox:
    """Verifications that record who was asked to verify (nothing is emailed)."""

    started: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)

    def start(self, claims, org, account, email, base_url=None) -> VerificationRequired:
        self.started.append((claims.launch_id, org.org_id, account.account_id, email, base_url))
        return VerificationRequired(email)


def resolve(world: World, launch: LaunchClaims, org: Org = ACME, mailbox: Mailbox | None = None):
    return resolve_launch_account(
        launch,
        org,
        world,  # type: ignore[arg-type]
        verifications=mailbox or Mailbox(),  # type: ignore[arg-type]
        base_url="https://tool.example",
        links=world.link_store(),  # type: ignore[arg-type]
        writes=world,  # type: ignore[arg-type]
    )


def the_link(world: World, sub: str = "sub-1") -> LmsLink:
    return world.links[(REGISTRATION, sub)]
