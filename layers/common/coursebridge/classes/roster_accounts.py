"""Accounts for the people of an LMS roster, by the launch's own rules.

Each listed person goes through ``resolve_launch_account`` as if they had launched:
a known LMS link → its account (LMS name and email changes copied, as a launch does);
an unknown teacher → the account holding the LMS email when it belongs to this
organization, else a new one; an unknown student → always a new account (never matched
by email), or the unlinked CSV account of the org's ``studentIdField`` value; a trial
organization gets no student accounts. Two things differ from a launch:

- no email is sent: a teacher whose email belongs to an account of another organization
  is left for their own first launch (it asks them to confirm);
- the links of a batch are read together first (one BatchGetItem per 100 people), and
  the resolver asks that read before DynamoDB (a retry asks DynamoDB again).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from coursebridge.accounts.outcomes import Entered, VerificationRequired
from coursebridge.accounts.resolve import resolve_launch_account
from coursebridge.accounts.verification import Verifications
from coursebridge.classes.roster_rules import Listed
from coursebridge.lti.claims import LaunchClaims
from coursebridge.lti.errors import LaunchRejected
from coursebridge.settings import get_settings
from coursebridge.store.accounts import Account
from coursebridge.store.dynamo import new_id
from coursebridge.store.links import LinkStore, LmsLink
from coursebridge.store.members import Member
from coursebridge.store.orgs import Org
from coursebridge.store.roster import RosterSource

logger = Logger(child=True)

WORKERS = 8  # account writes in flight at once


class QuietVerifications(Verifications):
    """A roster sync never emails anyone: the teacher confirms at their own launch."""

    def start(
        self,
        claims: LaunchClaims,
        org: Org,
        account: Account,
        email: str,
        base_url: str | None = None,
    ) -> VerificationRequired:
        return VerificationRequired(email)


class PrefetchedLinks(LinkStore):
    """The batch's links as read together; each sub's first ask is answered from it."""

    def __init__(self, registration_id: str, links: dict[str, LmsLink]) -> None:
        self.registration_id = registration_id
        self.links = links
        self.asked: set[str] = set()

    def get(self, registration_id: str, sub: str) -> LmsLink | None:
        if registration_id == self.registration_id and sub not in self.asked:
            self.asked.add(sub)  # a retry after a conflict reads DynamoDB again
            return self.links.get(sub)
        return super().get(registration_id, sub)


def roster_claims(source: RosterSource, person: Listed) -> LaunchClaims:
    """What a launch of this person from the source's course would have said."""
    entry = person.entry
    return LaunchClaims(
        launch_id=new_id("nrps"),
        issuer=source.issuer,
        client_id=source.client_id,
        registration_id=source.registration_id,
        deployment_id=source.deployment_id,
        message_type="LtiResourceLinkRequest",
        target_link_uri=get_settings().public_base_url or source.memberships_url,
        sub=entry.user_id,
        email=entry.email,
        name=entry.name,
        given_name=entry.given_name,
        family_name=entry.family_name,
        roles=entry.roles,
        context_id=source.context_id,
        custom=entry.custom,
    )


@dataclass(frozen=True)
class Enrolled:
    person: Listed
    member: Member | None  # None: no account (trial org student, teacher to confirm…)


def _member(source: RosterSource, person: Listed, entered: Entered) -> Member:
    account = entered.account
    return Member(
        class_id=source.class_id,
        account_id=account.account_id,
        role=entered.role,
        read_only=entered.read_only,
        sub=person.entry.user_id,
        issuer=source.issuer,
        registration_id=source.registration_id,
        name=person.name or account.name,
        email=person.email or account.email,
        student_id=person.student_id or account.student_id,
    )


def enroll_one(source: RosterSource, person: Listed, org: Org, links: LinkStore) -> Enrolled:
    claims = roster_claims(source, person)
    try:
        outcome = resolve_launch_account(
            claims, org, verifications=QuietVerifications(), links=links
        )
    except LaunchRejected as refused:  # busy account, a link of another organization…
        logger.info("roster member not enrolled", extra={"reason": refused.check})
        return Enrolled(person, None)
    if not isinstance(outcome, Entered):
        return Enrolled(person, None)
    return Enrolled(person, _member(source, person, outcome))


def accounts_for(
    source: RosterSource, people: list[Listed], org: Org, *, stop: float | None = None
) -> list[Enrolled]:
    """Resolve ``people`` (all from ``source``'s registration), ``WORKERS`` at a time;
    past ``stop`` (time.monotonic()) the rest are not started (returned without a member
    and counted as not done by the caller)."""
    links = PrefetchedLinks(
        source.registration_id,
        LinkStore().get_many(source.registration_id, [p.entry.user_id for p in people]),
    )

    def one(person: Listed) -> Enrolled | None:
        if stop is not None and time.monotonic() > stop:
            return None
        return enroll_one(source, person, org, links)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return [done for done in pool.map(one, people) if done is not None]
