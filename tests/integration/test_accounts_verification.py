"""Teacher with an account in another org: verification email (moto SES), confirm, in.

Through the local stack: the email is read back from moto's SES store and its link
is opened against the local HTTP API (GET /app/verify shows a page), then the page's
form is posted (POST /app/verify), like the teacher would.
"""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from coursebridge.accounts.confirm import Confirmations
from coursebridge.accounts.resolve import Entered, VerificationRequired, resolve_launch_account
from coursebridge.accounts.verification import VerificationFailed, Verifications
from coursebridge.sessions import decode_session
from coursebridge.store.accounts import AccountStore
from coursebridge.store.dynamo import now_epoch
from local.mail import sent_emails
from tests.integration.accounts_support import (
    INSTRUCTOR,
    FakeMailer,
    audit_actions,
    launch,
    link_target,
    make_account,
    make_org,
)

pytestmark = pytest.mark.integration


def _verification_link(stack, to: str) -> str:
    mails = [m for m in sent_emails(stack.ports.moto_url) if to in m.to]
    assert mails, f"no email to {to}"
    # moto keeps the HTML part when a message has both: read the link from its href.
    match = re.search(r'href="(http[^"]+/app/verify\?token=[^"]+)"', mails[-1].text)
    assert match, mails[-1].text
    return html.unescape(match.group(1))


def _teacher_elsewhere(email: str):
    make_org("elsewhere")
    org = make_org()
    holder = make_account(email, first_name="Grace", orgs={"elsewhere"}, is_teacher=True)
    return org, holder


def test_click_links_the_teacher_joins_the_org_and_lands_on_the_content(stack):
    email = "grace.verify@example.edu"
    org, holder = _teacher_elsewhere(email)
    claims = launch("t-verify", roles=[INSTRUCTOR], email=email, tool_url=stack.ports.tool_url)

    outcome = resolve_launch_account(claims, org)
    assert outcome == VerificationRequired(email)
    link = _verification_link(stack, email)
    assert link.startswith(stack.ports.tool_url)

    # The emailed link only shows a page (mail scanners open links): nothing is linked.
    for _ in range(2):
        preview = requests.get(link, allow_redirects=False, timeout=10)
        assert preview.status_code == 200, preview.text
        assert "Elsewhere Schools" not in preview.text  # only the asking org is named
        assert "Acme Schools" in preview.text and claims.issuer in preview.text
        assert email in preview.text and 'method="post"' in preview.text
    assert link_target("t-verify") is None
    assert AccountStore().get(holder.account_id, consistent=True).orgs == {"elsewhere"}
    link_token = parse_qs(urlsplit(link).query)["token"][0]

    response = requests.post(
        f"{stack.ports.tool_url}/app/verify",
        data={"token": link_token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert re.fullmatch(r"/app/classes/[^/]+/units/[^/]+", location.path)
    token = parse_qs(location.query)["cb_session"][0]
    session = decode_session(token)
    assert session is not None
    assert (session.account_id, session.org_id, session.role) == (
        holder.account_id,
        "acme",
        "TEACHER",
    )
    assert session.class_id in location.path and session.unit_id in location.path
    assert "cb_session=" in response.headers["set-cookie"]

    assert link_target("t-verify") == holder.account_id
    assert AccountStore().get(holder.account_id, consistent=True).orgs == {"elsewhere", "acme"}
    assert audit_actions("acme") == ["verification-sent", "verified"]

    # Single use: the same link again is refused with a page, not a 500.
    again = requests.get(link, allow_redirects=False, timeout=10)
    assert again.status_code == 410 and "expired or already used" in again.text
    posted_again = requests.post(
        f"{stack.ports.tool_url}/app/verify",
        data={"token": link_token},
        allow_redirects=False,
        timeout=10,
    )
    assert posted_again.status_code == 410
    # And the next launch goes straight in.
    assert isinstance(resolve_launch_account(claims, org), Entered)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 400),
        ("?token=", 400),
        ("?token=abc", 400),
        ("?token=a.1.b", 400),
        ("?token=" + "x" * 900, 400),
    ],
)
def test_bad_links_get_a_readable_page(stack, query, status):
    response = requests.get(f"{stack.ports.tool_url}/app/verify{query}", timeout=10)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "Invalid link" in response.text


@pytest.mark.parametrize("token", ["", "abc", "a.1.b", "x" * 900])
def test_a_post_with_a_bad_token_gets_a_readable_page_and_links_nothing(stack, token):
    response = requests.post(
        f"{stack.ports.tool_url}/app/verify",
        data={"token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 400 and "Invalid link" in response.text


def test_a_few_emails_an_hour_reach_one_address_whatever_the_lms_user_ids(stack):
    """A registration inventing LMS users (new subs) cannot flood one inbox."""
    org, _ = _teacher_elsewhere("victim@example.edu")
    mailer = FakeMailer()
    verifications = Verifications(mailer=mailer)
    for n in range(6):
        claims = launch(f"made-up-{n}", roles=[INSTRUCTOR], email="victim@example.edu")
        outcome = resolve_launch_account(claims, org, verifications=verifications)
        assert outcome == VerificationRequired("victim@example.edu")  # the same page every time
    assert len(mailer.sent) == 3
    an_hour_later = Verifications(mailer=mailer, clock=lambda: now_epoch() + 3601)
    resolve_launch_account(
        launch("made-up-late", roles=[INSTRUCTOR], email="victim@example.edu"),
        org,
        verifications=an_hour_later,
    )
    assert len(mailer.sent) == 4


def test_an_expired_link_is_refused_and_nothing_is_linked(stack):
    org, holder = _teacher_elsewhere("late@example.edu")
    mailer = FakeMailer()
    resolve_launch_account(
        launch("t-late", roles=[INSTRUCTOR], email="late@example.edu"),
        org,
        verifications=Verifications(mailer=mailer),
    )
    token = parse_qs(urlsplit(re.search(r"\S+/app/verify\S+", mailer.sent[0].text).group(0)).query)[
        "token"
    ][0]
    later = Confirmations(clock=lambda: now_epoch() + 25 * 3600)
    with pytest.raises(VerificationFailed) as failure:
        later.confirm(token)
    assert failure.value.status == 410
    assert link_target("t-late") is None
    assert AccountStore().get(holder.account_id, consistent=True).orgs == {"elsewhere"}


def test_the_email_is_not_resent_at_every_launch(stack):
    org, _ = _teacher_elsewhere("busy@example.edu")
    mailer = FakeMailer()
    verifications = Verifications(mailer=mailer)
    claims = launch("t-busy", roles=[INSTRUCTOR], email="busy@example.edu")
    for _ in range(3):
        outcome = resolve_launch_account(claims, org, verifications=verifications)
        assert outcome == VerificationRequired("busy@example.edu")
    assert len(mailer.sent) == 1
    later = Verifications(mailer=mailer, clock=lambda: now_epoch() + 120)
    resolve_launch_account(claims, org, verifications=later)
    assert len(mailer.sent) == 2


def test_two_clicks_at_once_link_once(stack):
    org, holder = _teacher_elsewhere("twice@example.edu")
    mailer = FakeMailer()
    resolve_launch_account(
        launch("t-twice", roles=[INSTRUCTOR], email="twice@example.edu"),
        org,
        verifications=Verifications(mailer=mailer),
    )
    token = parse_qs(urlsplit(re.search(r"\S+/app/verify\S+", mailer.sent[0].text).group(0)).query)[
        "token"
    ][0]

    def click(_):
        try:
            return Confirmations().confirm(token).entered.account.account_id
        except VerificationFailed as failure:
            return failure.status

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(click, range(8)))
    assert results.count(holder.account_id) == 1
    assert sorted(set(results) - {holder.account_id}) == [410]
    assert audit_actions("acme").count("verified") == 1
