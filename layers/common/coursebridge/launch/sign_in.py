"""After a valid launch: org → account → class/unit → session → the page.

Every outcome of account resolution and course mapping has its page: trial orgs
(403), a verification email sent (200), a course/activity not set up yet (200).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from coursebridge.accounts.resolve import (
    AccountBusy,
    Entered,
    TrialBlocked,
    VerificationRequired,
    resolve_launch_account,
)
from coursebridge.classes.enter import CourseEntry, NotSetUp, enter_course
from coursebridge.launch.diagnostics import launch_notes
from coursebridge.lti.claims import LaunchClaims
from coursebridge.lti.errors import LaunchRejected
from coursebridge.lti.tool_config import org_for
from coursebridge.sessions import Session, encode_session

if TYPE_CHECKING:  # the verification page signs in too, without the id_token checks
    from coursebridge.lti.launch import ValidLaunch


@dataclass(frozen=True)
class SignedIn:
    session: Session
    token: str
    location: str


@dataclass(frozen=True)
class OutcomePage:
    status: int
    title: str
    message: str
    outcome: str  # "trial" | "verification" | "not-set-up" (logs, metrics, tests)


def display_name(launch: ValidLaunch, entered: Entered) -> str:
    claims = launch.claims
    from_claims = " ".join(p for p in (claims.given_name, claims.family_name) if p)
    return entered.account.name or claims.name or from_claims


def session_for(
    claims: LaunchClaims, entered: Entered, org_id: str, entry: CourseEntry, name: str
) -> Session:
    """The browser session after a launch (or after the verification click)."""
    return Session(
        account_id=entered.account.account_id,
        org_id=org_id,
        issuer=claims.issuer,
        deployment_id=claims.deployment_id,
        client_id=claims.client_id,
        registration_id=claims.registration_id,
        sub=claims.sub,
        name=name,
        email=entered.account.email,
        role=entered.role,
        read_only=entered.read_only,
        mentee_subs=list(entered.mentee_subs) if entered.mentee_subs is not None else None,
        class_id=entry.class_id,
        unit_id=entry.unit_id,
        lms_notes=launch_notes(claims, entered.role),
        lms_family=claims.platform_family,
    )


def landing_url(claims: LaunchClaims, entry: CourseEntry, token: str) -> str:
    """Where a launch lands: the unit's page, or the deep-linking picker."""
    class_path = f"/app/classes/{quote(entry.class_id, safe='')}"
    if claims.message_type == "LtiDeepLinkingRequest" or entry.unit_id is None:
        page = "deep-link"
    else:
        page = f"units/{quote(entry.unit_id, safe='')}"
    return f"{class_path}/{page}?cb_session={quote(token, safe='')}"


def sign_in(launch: ValidLaunch) -> SignedIn | OutcomePage:
    claims = launch.claims
    org = org_for(launch.registration.org_id)
    if org is None:
        raise LaunchRejected("org", "this platform's organization no longer exists", status=403)
    try:
        outcome = resolve_launch_account(claims, org)
    except AccountBusy:
        raise LaunchRejected(
            "busy", "your account is being updated by another launch: please try again", status=409
        ) from None
    if isinstance(outcome, TrialBlocked):
        return OutcomePage(
            403,
            "This organization is in trial mode",
            f"{org.name} is trying coursebridge: during the trial, students cannot sign in "
            "from the LMS yet. Your teacher or school administrator can tell you more.",
            "trial",
        )
    if isinstance(outcome, VerificationRequired):
        return OutcomePage(
            200,
            "Check your email",
            f"To continue, confirm your email address: we sent a link to {outcome.email}. "
            "Open it and confirm on the page it shows; you then land in this activity.",
            "verification",
        )
    entry = enter_course(claims, outcome, org)
    if isinstance(entry, NotSetUp):
        return OutcomePage(
            200,
            "Not set up yet",
            f"This {entry.what} is not set up in coursebridge yet. Your teacher needs to "
            "open it once from the LMS (or link it to a class) before students can use it.",
            "not-set-up",
        )
    session = session_for(claims, outcome, org.org_id, entry, display_name(launch, outcome))
    token = encode_session(session)
    location = landing_url(claims, entry, token)
    return SignedIn(session, token, location)
