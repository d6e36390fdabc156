"""A verification link: the page that says what it does, then its POST that does it.

``preview`` reads only (the emailed link's GET: mail scanners open every link, so
opening one must change nothing); ``confirm`` (the page's POST) links the LMS user,
joins the org and finishes the launch. One transaction deletes the pending item
(condition: still there and unexpired), creates the link (condition: not there) and
adds the org to the account, with its audit record — so a token works once, and a
half-done verification cannot exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from aws_lambda_powertools import Logger

from coursebridge.accounts.outcomes import Entered
from coursebridge.accounts.profile import LmsProfile, new_link
from coursebridge.accounts.resolve import resolve_launch_account
from coursebridge.accounts.roles import class_role
from coursebridge.accounts.sync import launch_changes
from coursebridge.accounts.verification import (
    VerificationFailed,
    actor_of,
    expired_link,
    open_emailed_token,
)
from coursebridge.backoff import DYNAMODB
from coursebridge.lti.claims import LaunchClaims
from coursebridge.sessions import _SecretCache
from coursebridge.store.account_links import AccountLinkStore
from coursebridge.store.accounts import AccountStore
from coursebridge.store.audit import AuditRecord
from coursebridge.store.dynamo import now_epoch
from coursebridge.store.orgs import Org, OrgStore
from coursebridge.store.transactions import (
    AccountChanged,
    LinkAlreadyExists,
    TokenGone,
    WriteConflict,
    transact,
)
from coursebridge.store.verifications import PendingVerification, VerificationStore

logger = Logger(child=True)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class VerifiedLaunch:
    """The launch that asked for verification, now signed in."""

    claims: LaunchClaims
    org: Org
    entered: Entered


@dataclass(frozen=True)
class PendingConfirmation:
    """What a verification link would do, for the page that asks the person."""

    org_name: str
    email: str
    lms: str  # the platform's issuer: the LMS that asked
    course: str | None


@dataclass
class Confirmations:
    store: VerificationStore = field(default_factory=VerificationStore)
    accounts: AccountStore = field(default_factory=AccountStore)
    orgs: OrgStore = field(default_factory=OrgStore)
    secret: Callable[[], bytes] = _SecretCache.get
    clock: Callable[[], int] = now_epoch

    def _pending(self, token: object, now: int) -> tuple[PendingVerification, Org]:
        pending = open_emailed_token(token, self.secret(), now, self.store.get)
        org = self.orgs.get(pending.org_id)
        if org is None:
            raise VerificationFailed(
                404, "Organization not found", "This organization no longer exists."
            )
        return pending, org

    def preview(self, token: object) -> PendingConfirmation:
        """What ``token`` would do; writes nothing. Raises VerificationFailed."""
        pending, org = self._pending(token, self.clock())
        claims = LaunchClaims.model_validate_json(pending.claims_json)
        course = claims.context_title or claims.context_label
        return PendingConfirmation(org.name, pending.email, claims.issuer, course)

    def confirm(self, token: object) -> VerifiedLaunch:
        """Use ``token`` (once). Raises VerificationFailed with a status for the page."""
        now = self.clock()
        pending, org = self._pending(token, now)
        claims = LaunchClaims.model_validate_json(pending.claims_json)
        for attempt in range(MAX_ATTEMPTS):
            try:
                return self._link(pending, claims, org, now)
            except WriteConflict:
                DYNAMODB.pause(attempt)
        raise VerificationFailed(503, "Busy", "Please open the link again in a moment.")

    def _link(
        self, pending: PendingVerification, claims: LaunchClaims, org: Org, now: int
    ) -> VerifiedLaunch:
        account = self.accounts.get(pending.account_id, consistent=True)
        if account is None:
            raise VerificationFailed(
                404, "Account not found", "The account to confirm no longer exists."
            )
        grant = class_role(claims.roles, claims.role_scope_mentor)
        profile = LmsProfile.from_claims(claims, org)
        link = new_link(claims, profile, account.account_id, org.org_id)
        full_teacher = grant.full_teacher
        changes = launch_changes(account, org.org_id, full_teacher, profile)
        record = AuditRecord(
            org_id=org.org_id,
            action="verified",
            account_id=account.account_id,
            actor=actor_of(claims),
            launch_id=claims.launch_id,
            details={"email": pending.email},
        )
        try:
            AccountLinkStore(self.accounts).link_account(
                link, changes, [record], extra_actions=[pending.consume_action(now)]
            )
        except TokenGone:
            raise expired_link() from None
        except AccountChanged:
            raise VerificationFailed(
                404, "Account not found", "The account to confirm no longer exists."
            ) from None
        except LinkAlreadyExists:
            return self._already_linked(pending, claims, org, now)
        account.orgs.add(org.org_id)
        account.is_teacher = account.is_teacher or changes.make_teacher
        entered = Entered(account, grant.role, grant.read_only, grant.mentee_subs)
        return VerifiedLaunch(claims, org, entered)

    def _already_linked(
        self, pending: PendingVerification, claims: LaunchClaims, org: Org, now: int
    ) -> VerifiedLaunch:
        """The LMS user got linked meanwhile: use the token up, sign in as the link says."""
        try:
            transact([pending.consume_action(now)])
        except TokenGone:
            raise expired_link() from None
        outcome = resolve_launch_account(claims, org, self.accounts)
        if not isinstance(outcome, Entered):
            raise VerificationFailed(409, "Cannot sign in", "Open the course from your LMS again.")
        return VerifiedLaunch(claims, org, outcome)
