"""Launch → account (what the launch handler calls).

``resolve_launch_account`` decides, for one validated launch:

1. known link (issuer, sub) → that account; LMS name/email changes copied over (the
   email only when no other account holds it — then it is kept and logged);
2. unknown, teacher-type role → the account holding the LMS email (consistent read
   of the EMAIL claim): a member of the org → link; not a member → verification
   email; nobody → a new account;
3. unknown, student → always a new account, claiming the email only if it is free;
   except an unlinked CSV account of the org's schools whose issuedID equals the
   org's ``studentIdField`` custom claim → link to it;
4. no email and no name → a generated display name;
5. trial org → students are turned away before anything is written.

Concurrency: every write is one transaction guarded by conditions (the link with
``attribute_not_exists``), so racing first launches of one user make one account and
one link; a loser re-reads the link and returns the winner's account.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from coursebridge.accounts.outcomes import (
    AccountOutcome,
    Entered,
    TrialBlocked,
    VerificationRequired,
)
from coursebridge.accounts.profile import LmsProfile, anonymous_name, new_link
from coursebridge.accounts.roles import ClassRole, class_role
from coursebridge.accounts.sync import SyncPlan, launch_changes, plan_sync
from coursebridge.accounts.verification import Verifications, actor_of
from coursebridge.lti.claims import LaunchClaims
from coursebridge.lti.errors import LaunchRejected
from coursebridge.store.account_links import AccountLinkStore
from coursebridge.store.accounts import Account, AccountStore, EmailAlreadyClaimed
from coursebridge.store.audit import AuditRecord
from coursebridge.store.links import LinkStore, LmsLink
from coursebridge.store.orgs import Org
from coursebridge.store.transactions import AccountChanged, LinkAlreadyExists, WriteConflict

__all__ = [
    "AccountBusy",
    "AccountOutcome",
    "Entered",
    "TrialBlocked",
    "VerificationRequired",
    "class_role",
    "resolve_launch_account",
]

logger = Logger(child=True)

MAX_ATTEMPTS = 12


class AccountBusy(LaunchRejected):
    """Writes kept colliding with simultaneous launches; the user may simply retry.

    A LaunchRejected, so the launch handler's one error mapping shows it as a page.
    """

    def __init__(self) -> None:
        super().__init__(
            "account",
            "Too many sign-ins to this account at the same moment. Open the activity again.",
            status=503,
        )


class _Retry(Exception):
    """Start over: something changed between our read and our write."""


def resolve_launch_account(
    claims: LaunchClaims,
    org: Org,
    accounts: AccountStore | None = None,
    *,
    verifications: Verifications | None = None,
    base_url: str | None = None,
    links: LinkStore | None = None,
    writes: AccountLinkStore | None = None,
) -> AccountOutcome:
    """The account for this launch (see the module docstring for the rules).

    ``base_url``: our public origin for the verification link (default: the origin of
    the launch's ``target_link_uri``, which launch validation holds to our own host).
    Raises AccountBusy after repeated write collisions and VerificationEmailFailed when
    SES refuses the email (both LaunchRejected: the launch shows a 503 page).
    ``links`` and ``writes`` default to the DynamoDB stores (tests pass in-memory ones).
    """
    grant = class_role(claims.roles, claims.role_scope_mentor)
    if org.trial and grant.role == "STUDENT":
        return TrialBlocked()
    store = accounts or AccountStore()
    resolver = _Resolver(
        claims=claims,
        org=org,
        grant=grant,
        profile=LmsProfile.from_claims(claims, org),
        accounts=store,
        verifications=verifications,
        base_url=base_url,
        links=links or LinkStore(),
        writes=writes or AccountLinkStore(store),
    )
    for attempt in range(MAX_ATTEMPTS):
        try:
            return resolver.resolve()
        except (_Retry, WriteConflict, LinkAlreadyExists):
            time.sleep(random.uniform(0, 0.005 * 2 ** min(attempt, 5)))
    raise AccountBusy()


@dataclass
class _Resolver:
    claims: LaunchClaims
    org: Org
    grant: ClassRole
    profile: LmsProfile
    accounts: AccountStore
    verifications: Verifications | None
    base_url: str | None
    links: LinkStore
    writes: AccountLinkStore

    # ------------------------------------------------------------ helpers
    def _entered(self, account: Account) -> Entered:
        return Entered(account, self.grant.role, self.grant.read_only, self.grant.mentee_subs)

    def _record(self, action: str, account_id: str, **details: str) -> AuditRecord:
        return AuditRecord(
            org_id=self.org.org_id,
            action=action,
            account_id=account_id,
            actor=actor_of(self.claims),
            launch_id=self.claims.launch_id,
            details={k: v for k, v in details.items() if v},
        )

    def _new_link(self, account_id: str) -> LmsLink:
        return new_link(self.claims, self.profile, account_id, self.org.org_id)

    @property
    def _full_teacher(self) -> bool:
        return self.grant.full_teacher

    # ------------------------------------------------------------ rules
    def resolve(self) -> AccountOutcome:
        if not self.claims.sub:  # anonymous launch without a stable id: nothing to link
            return self._create(claim_email=False, link=False)
        link = self.links.get(self.claims.registration_id, self.claims.sub)
        if link is not None:
            return self._known(link)
        if self.grant.role == "TEACHER":
            return self._unknown_teacher()
        return self._unknown_student()

    def _known(self, link: LmsLink) -> AccountOutcome:
        account = self._linked_account(link)
        plan = plan_sync(account, link, self.profile, self.org, self._full_teacher, self.accounts)
        records = self._sync_records(account, plan)
        if not records and not plan.refresh_link:
            return self._entered(account)
        try:
            self.writes.update_on_launch(plan.link, plan.changes, records, link.version)
        except EmailAlreadyClaimed:
            raise _Retry() from None  # taken meanwhile: the next attempt keeps the old email
        except AccountChanged:
            raise _Retry() from None
        return self._entered(plan.apply(account))

    def _linked_account(self, link: LmsLink) -> Account:
        if link.org_id != self.org.org_id:  # a registration never changes organization
            logger.warning("LMS link of another organization; refusing the launch")
            raise LaunchRejected(
                "registration", "this LMS account belongs to another organization", status=403
            )
        account = self.accounts.get(link.account_id, consistent=True)
        if account is None:
            logger.warning("LMS link to a missing account; removing it")
            self.links.delete_dangling(link)
            raise _Retry()
        return account

    def _sync_records(self, account: Account, plan: SyncPlan) -> list[AuditRecord]:
        """The audit records of a launch that syncs a linked account."""
        records: list[AuditRecord] = []
        if plan.changes.changed():
            records.append(
                self._record("updated", account.account_id, fields=",".join(plan.changes.changed()))
            )
        if plan.email_kept:
            why = "shared with another organization" if plan.email_shared else "held by another"
            logger.info("LMS email not copied onto the account", extra={"why": why})
            records.append(
                self._record(
                    "email-kept", account.account_id, email=self.profile.email or "", why=why
                )
            )
        return records

    def _unknown_teacher(self) -> AccountOutcome:
        email = self.profile.email
        holder_id = self.accounts.account_id_for_email(email) if email else None
        if holder_id is None:
            return self._create(claim_email=True, link=True, email_must_be_free=True)
        holder = self.accounts.get(holder_id, consistent=True)
        if holder is None:  # claim without its account (should not happen): do not guess
            logger.warning("email claim without an account; creating a new account")
            return self._create(claim_email=False, link=True)
        if self.org.org_id in holder.orgs:
            return self._link(holder, "linked", matched="email")
        assert email is not None
        verifications = self.verifications or Verifications()
        return verifications.start(self.claims, self.org, holder, email, self.base_url)

    def _unknown_student(self) -> AccountOutcome:
        csv_account = self._csv_account_for_student_id()
        if csv_account is not None:
            try:
                return self._link(csv_account, "linked", matched="studentIdField", only_csv=True)
            except AccountChanged:
                logger.info("CSV account was linked meanwhile; creating a new account")
        return self._create(claim_email=True, link=True)

    def _csv_account_for_student_id(self) -> Account | None:
        value = self.profile.student_id
        if not (self.org.student_id_field and value):
            return None
        candidates = []
        for school_id in sorted(set(self.org.schools)):
            holder = self.accounts.issued_holder(school_id, value)
            account = self.accounts.get(holder, consistent=True) if holder else None
            if account and account.source == "csv" and account.linked_at is None:
                candidates.append(account)
        if len(candidates) > 1:
            logger.warning("studentIdField matches several CSV accounts; linking none")
            return None
        return candidates[0] if candidates else None

    # ------------------------------------------------------------ writes
    def _link(
        self, account: Account, action: str, matched: str, only_csv: bool = False
    ) -> AccountOutcome:
        changes = launch_changes(account, self.org.org_id, self._full_teacher, self.profile)
        record = self._record(action, account.account_id, matched=matched)
        try:
            self.writes.link_account(
                self._new_link(account.account_id), changes, [record], only_unlinked_csv=only_csv
            )
        except AccountChanged:
            if only_csv:
                raise  # linked by someone else meanwhile: the caller creates a new account
            raise _Retry() from None
        account.orgs.add(self.org.org_id)
        account.is_teacher = account.is_teacher or changes.make_teacher
        account.student_id = changes.student_id or account.student_id
        return self._entered(account)

    def _create(
        self, claim_email: bool, link: bool, email_must_be_free: bool = False
    ) -> AccountOutcome:
        profile = self.profile
        account = Account(
            email=profile.email if claim_email else None,
            first_name=profile.given_name,
            last_name=profile.family_name,
            display_name=profile.name,
            is_teacher=self._full_teacher,
            orgs={self.org.org_id},
            student_id=profile.student_id,
            source="lti",
        )
        if not profile.has_name:
            account.display_name = anonymous_name(account.account_id)
        while True:
            record = self._record(
                "created",
                account.account_id,
                email=account.email or "",
                anonymous=str(profile.anonymous) if profile.anonymous else "",
            )
            try:
                if link:
                    self.writes.create_with_link(
                        account, self._new_link(account.account_id), [record]
                    )
                else:
                    self.accounts.create(account, extra_actions=[record.put_action()])
                return self._entered(account)
            except EmailAlreadyClaimed:
                if email_must_be_free:
                    raise _Retry() from None  # a teacher: the holder decides (next attempt)
                logger.info("LMS email already held; new account created without it")
                account.email = None
