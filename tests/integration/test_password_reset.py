"""Forgot password / set a password, end to end on the local stack (SES on moto): the
link works once, for 30 minutes, only by POST; the answer never tells whether an
account exists; a reset ends the account's sessions and unlocks it."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sign_in_support import (
    FIRST_LOGIN,
    GOOD_PASSWORD,
    OTHER_PASSWORD,
    Browser,
    make_account,
    plain,
    reset_links,
)

from coursebridge.accounts.credentials import LOCKED, Credentials, SignInRefused
from coursebridge.accounts.password_reset import PasswordResets
from coursebridge.accounts.verification import VerificationFailed, issue_token
from coursebridge.notify.mailer import Email
from coursebridge.sessions import _SecretCache
from coursebridge.store import keys
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.dynamo import app_table
from tests.integration.import_support import emails_to, mail_count

pytestmark = pytest.mark.integration


def _status(stack, name: str, password: str) -> int:
    """The status a fresh browser's sign-in gets (303: signed in)."""
    return Browser(stack.ports.tool_url).sign_in(name, password).status_code


def _ask(stack, name: str) -> str:
    browser = Browser(stack.ports.tool_url)
    answer = browser.post("/app/forgot-password", {"name": name})
    assert answer.status_code == 200
    return answer.text.replace(name, "NAME")


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _set(browser: Browser, token: str, password: str = OTHER_PASSWORD):
    return browser.post(
        "/app/reset-password", {"token": token, "password": password, "confirm": password}
    )


def test_a_reset_by_username_works_end_to_end_through_ses_and_only_once(stack):
    account = make_account("lee@school.edu", first_name="Lee")
    seen = mail_count(stack)
    _ask(stack, account.username)
    (message,) = emails_to(stack, "lee@school.edu", since=seen)
    text = " ".join(plain(message.text).split())
    assert message.subject == "Reset your coursebridge password"
    assert f"Username: {account.username}" in text and "within 30 minutes" in text
    (link,) = reset_links(stack, "lee@school.edu", seen)
    assert link.startswith(f"{stack.ports.tool_url}/app/reset-password?token=")

    browser = Browser(stack.ports.tool_url)
    # Opening the link (a mail scanner does too) changes nothing.
    form = browser.get("/app/reset-password", token=_token(link))
    assert form.status_code == 200 and account.username in form.text
    assert browser.get("/app/reset-password", token=_token(link)).status_code == 200
    assert AccountStore().get(account.account_id).password_hash == account.password_hash

    done = _set(browser, _token(link))
    assert done.status_code == 303 and done.headers["location"] == "/app/sign-in?done=password-set"
    assert _status(stack, account.username, OTHER_PASSWORD) == 303
    assert _status(stack, account.username, GOOD_PASSWORD) == 401

    again = _set(Browser(stack.ports.tool_url), _token(link), "another-fine-password-3")
    assert again.status_code == 410 and "already used" in again.text
    assert browser.get("/app/reset-password", token=_token(link)).status_code == 410


@pytest.mark.parametrize("kind", ["email", "username"])
def test_the_answer_is_the_same_whether_or_not_an_account_matches(stack, kind):
    account = make_account("exists@school.edu")
    known = "exists@school.edu" if kind == "email" else account.username
    unknown = "missing@school.edu" if kind == "email" else "missing.person"
    seen = mail_count(stack)
    assert _ask(stack, known) == _ask(stack, unknown)
    assert len(emails_to(stack, "@school.edu", since=seen)) == 1  # the known one only


def test_an_account_without_an_email_gets_the_same_answer_and_no_email(stack):
    nameless = AccountStore().create(Account(display_name="Quiet Otter", source="lti"))
    seen = mail_count(stack)
    assert _ask(stack, nameless.username) == _ask(stack, "missing.person")
    assert mail_count(stack) == seen


def test_an_lms_created_account_sets_its_first_password_this_way(stack):
    account = make_account("from.lms@school.edu", password=None, source="lti")
    seen = mail_count(stack)
    _ask(stack, "from.lms@school.edu")
    (message,) = emails_to(stack, "from.lms@school.edu", since=seen)
    assert message.subject == "Set your coursebridge password"
    (link,) = reset_links(stack, "from.lms@school.edu", seen)
    assert _set(Browser(stack.ports.tool_url), _token(link)).status_code == 303
    browser = Browser(stack.ports.tool_url)
    assert browser.sign_in(account.username, OTHER_PASSWORD).headers["location"] == "/app/account"


def test_an_expired_link_sets_nothing(stack):
    account = make_account("late@school.edu")
    sent: list[Email] = []

    class Outbox:
        def send(self, email: Email) -> str:
            sent.append(email)
            return "id"

    now = int(time.time())
    resets = PasswordResets(mailer=Outbox(), clock=lambda: now, floor_seconds=0)
    resets.request("late@school.edu", "192.0.2.1", "https://tool.example")
    token = _token(next(w for w in sent[0].text.split() if "token=" in w))
    later = PasswordResets(clock=lambda: now + 30 * 60)
    with pytest.raises(VerificationFailed) as expired:
        later.complete(token, OTHER_PASSWORD, OTHER_PASSWORD)
    assert expired.value.status == 410
    assert PasswordResets(clock=lambda: now + 29 * 60).preview(token).username == account.username


@pytest.mark.parametrize("case", ["verification-token", "tampered", "garbage", "empty"])
def test_a_link_that_is_not_a_reset_link_is_refused(stack, case):
    make_account("odd@school.edu")
    seen = mail_count(stack)
    _ask(stack, "odd@school.edu")
    (link,) = reset_links(stack, "odd@school.edu", seen)
    real = _token(link)
    token = {
        "verification-token": issue_token(_SecretCache.get(), int(time.time()))[0],
        "tampered": real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB"),
        "garbage": "x" * 50,
        "empty": "",
    }[case]
    browser = Browser(stack.ports.tool_url)
    assert browser.get("/app/reset-password", token=token).status_code == 400
    assert _set(browser, token).status_code == 400
    assert _set(browser, real).status_code == 303  # the real one still works


def test_a_reset_ends_every_session_and_unlocks_the_account(stack):
    account = make_account("locked@school.edu")
    browser = Browser(stack.ports.tool_url)
    browser.sign_in(account.username, GOOD_PASSWORD)
    credentials = Credentials(floor_seconds=0)
    for _ in range(40):
        try:
            credentials.sign_in("locked@school.edu", "guess", "192.0.2.9")
        except SignInRefused as refused:
            if refused.reason == LOCKED:
                break
            if refused.retry_after:
                _age_counter(account.account_id, refused.retry_after)
    with pytest.raises(SignInRefused, match=LOCKED):
        credentials.sign_in("locked@school.edu", GOOD_PASSWORD, "192.0.2.9")
    seen = mail_count(stack)
    _ask(stack, "locked@school.edu")
    (link,) = reset_links(stack, "locked@school.edu", seen)
    assert _set(Browser(stack.ports.tool_url), _token(link)).status_code == 303
    assert browser.get("/app/account").headers["location"] == "/app/sign-in"
    assert _status(stack, account.username, OTHER_PASSWORD) == 303


def _age_counter(account_id: str, seconds: int) -> None:
    """Move the account's last failure back in time (instead of waiting)."""
    app_table().update_item(
        Key=keys.sign_in_failures("ACCOUNT", account_id),
        UpdateExpression="SET lastFailureAt = lastFailureAt - :s",
        ExpressionAttributeValues={":s": seconds},
    )


def test_a_link_sent_before_a_password_change_no_longer_works(stack):
    account = make_account("change@school.edu")
    seen = mail_count(stack)
    _ask(stack, "change@school.edu")
    _ask(stack, "change@school.edu")
    first, second = reset_links(stack, "change@school.edu", seen)
    assert _set(Browser(stack.ports.tool_url), _token(first)).status_code == 303
    assert _set(Browser(stack.ports.tool_url), _token(second)).status_code == 410
    assert AccountStore().get(account.account_id).session_epoch == 1


def test_a_refused_password_keeps_the_link_usable(stack):
    make_account("policy@school.edu", FIRST_LOGIN, first_login=True)
    seen = mail_count(stack)
    _ask(stack, "policy@school.edu")
    (link,) = reset_links(stack, "policy@school.edu", seen)
    browser = Browser(stack.ports.tool_url)
    first_login = _set(browser, _token(link), FIRST_LOGIN)
    assert first_login.status_code == 400 and "not the one your school gave you" in first_login.text
    short = _set(browser, _token(link), "too-short")
    assert short.status_code == 400 and "at least 12 characters" in short.text
    assert _set(browser, _token(link)).status_code == 303


def test_at_most_three_reset_emails_an_hour_reach_one_address(stack):
    make_account("flood@school.edu")
    seen = mail_count(stack)
    answers = {_ask(stack, "flood@school.edu") for _ in range(5)}
    assert len(answers) == 1
    assert len(emails_to(stack, "flood@school.edu", since=seen)) == 3


def test_a_reset_form_posted_from_another_site_sets_nothing(stack):
    account = make_account("cross@school.edu")
    seen = mail_count(stack)
    _ask(stack, "cross@school.edu")
    (link,) = reset_links(stack, "cross@school.edu", seen)
    browser = Browser(stack.ports.tool_url)
    data = {"token": _token(link), "password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD}
    assert browser.post("/app/reset-password", data, origin="https://evil.example").status_code == (
        403
    )
    assert AccountStore().get(account.account_id).password_hash == account.password_hash
    assert _set(browser, _token(link)).status_code == 303
