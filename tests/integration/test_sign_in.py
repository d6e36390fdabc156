"""Signing in at /app/sign-in over HTTP on the local stack: first-login passwords from a
CSV import, the forced change, sign-out, usernames, the account page, rehashing."""

from __future__ import annotations

import base64
import hashlib

import pytest
from sign_in_support import (
    FIRST_LOGIN,
    GOOD_PASSWORD,
    OTHER_PASSWORD,
    Browser,
    make_account,
    plain,
)

from coursebridge.accounts.passwords import hash_password
from coursebridge.store import keys
from coursebridge.store.accounts import AccountStore
from coursebridge.store.dynamo import users_table
from tests.integration.import_support import (
    account_by_email,
    emails_to,
    mail_count,
    make_admin,
    rows,
    run_until_done,
    upload,
)

pytestmark = pytest.mark.integration


def _status(stack, name: str, password: str) -> int:
    """The status a fresh browser's sign-in gets (303: signed in)."""
    return Browser(stack.ports.tool_url).sign_in(name, password).status_code


def _change(browser: Browser, password: str, confirm: str | None = None, **extra: str):
    data = {"password": password, "confirm": password if confirm is None else confirm, **extra}
    return browser.post("/app/change-password", data)


def test_a_csv_user_signs_in_once_with_the_first_login_password_and_then_only_with_their_own(
    stack,
):
    admin = make_admin(schools=("S1",))
    seen = mail_count(stack)
    uploaded = upload(
        stack,
        admin,
        rows("Jane,Doe,jane.doe@school.edu,0,1001,S1"),
        send_welcome="true",
        custom_password=FIRST_LOGIN,
    )
    assert run_until_done(stack, uploaded).counts["created"] == 1
    jane = account_by_email("jane.doe@school.edu")
    assert jane is not None and jane.username == "jane.doe"
    (welcome,) = emails_to(stack, "jane.doe@school.edu", since=seen)
    text = " ".join(plain(welcome.text).split())
    assert f"{stack.ports.tool_url}/app/sign-in" in text
    assert "Username: jane.doe" in text and "set a first-login password" in text

    browser = Browser(stack.ports.tool_url)
    signed_in = browser.sign_in("jane.doe", FIRST_LOGIN)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/app/change-password"
    # Nothing else is open before the new password is chosen.
    assert browser.get("/app/account").headers["location"] == "/app/change-password"
    assert "Choose your own password" in browser.get("/app/change-password").text
    refused = _change(browser, FIRST_LOGIN)
    assert refused.status_code == 400 and "not the one your school gave you" in refused.text
    changed = _change(browser, GOOD_PASSWORD)
    assert changed.status_code == 303
    account = browser.get("/app/account")
    assert account.status_code == 200 and "jane.doe" in account.text

    signed_out = browser.post("/app/sign-out", {})
    assert signed_out.headers["location"] == "/app/sign-in?done=signed-out"
    assert browser.session is None
    assert browser.get("/app/account").headers["location"] == "/app/sign-in"

    again = Browser(stack.ports.tool_url)
    assert again.sign_in("jane.doe@school.edu", GOOD_PASSWORD).headers["location"] == (
        "/app/account"
    )
    stale = Browser(stack.ports.tool_url).sign_in("jane.doe", FIRST_LOGIN)
    assert stale.status_code == 401 and "do not match" in stale.text


def test_a_first_login_password_works_once_even_if_no_new_password_was_chosen(stack):
    make_account("sam@school.edu", FIRST_LOGIN, first_login=True)
    first = Browser(stack.ports.tool_url)
    assert first.sign_in("sam@school.edu", FIRST_LOGIN).headers["location"] == (
        "/app/change-password"
    )
    second = Browser(stack.ports.tool_url).sign_in("sam@school.edu", FIRST_LOGIN)
    assert second.status_code == 401
    # The first session may still choose the password.
    assert _change(first, GOOD_PASSWORD).status_code == 303


def test_changing_a_password_ends_the_other_sessions_and_keeps_this_one(stack):
    account = make_account("ann@school.edu")
    laptop, phone = Browser(stack.ports.tool_url), Browser(stack.ports.tool_url)
    laptop.sign_in(account.username, GOOD_PASSWORD)
    phone.sign_in("ann@school.edu", GOOD_PASSWORD)
    wrong = _change(laptop, OTHER_PASSWORD, current="not-my-password")
    assert wrong.status_code == 401 and "current password is not right" in wrong.text
    assert _change(laptop, OTHER_PASSWORD, current=GOOD_PASSWORD).status_code == 303
    assert laptop.get("/app/account").status_code == 200
    assert phone.get("/app/account").headers["location"] == "/app/sign-in"
    assert AccountStore().get(account.account_id).session_epoch == 1
    assert _status(stack, "ann@school.edu", GOOD_PASSWORD) == 401


def test_sign_out_everywhere_ends_every_session(stack):
    account = make_account()
    laptop, phone = Browser(stack.ports.tool_url), Browser(stack.ports.tool_url)
    laptop.sign_in(account.username, GOOD_PASSWORD)
    phone.sign_in(account.username, GOOD_PASSWORD)
    assert laptop.post("/app/sign-out-everywhere", {}).status_code == 303
    assert phone.get("/app/account").headers["location"] == "/app/sign-in"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-one", "at least 12 characters"),
        ("passwordpassword", "too common"),
        ("qwertyuiop123", "too common"),
        ("pat.kowalski-2026", "email address, username or name"),
        ("Kowalski-summer-bay", "email address, username or name"),
    ],
)
def test_a_new_password_that_breaks_the_policy_is_refused_and_changes_nothing(
    stack, password, message
):
    account = make_account("pat.kowalski@school.edu", first_name="Pat", last_name="Kowalski")
    browser = Browser(stack.ports.tool_url)
    browser.sign_in("pat.kowalski@school.edu", GOOD_PASSWORD)
    refused = _change(browser, password, current=GOOD_PASSWORD)
    assert refused.status_code == 400 and message in refused.text
    assert AccountStore().get(account.account_id).password_hash == account.password_hash
    mismatch = _change(browser, OTHER_PASSWORD, OTHER_PASSWORD + "x", current=GOOD_PASSWORD)
    assert "not the same" in mismatch.text


def test_an_admin_lands_on_the_account_page_with_a_link_to_the_admin_portal(stack):
    admin_id = make_admin(schools=("S1",), email="ada@school.edu")
    AccountStore().set_password(admin_id, hash_password(GOOD_PASSWORD), 0)
    browser = Browser(stack.ports.tool_url)
    assert browser.sign_in("ada@school.edu", GOOD_PASSWORD).headers["location"] == "/app/account"
    page = browser.get("/app/account")
    assert 'href="/app/admin"' in page.text
    teacher = make_account()
    other = Browser(stack.ports.tool_url)
    other.sign_in(teacher.username, GOOD_PASSWORD)
    assert 'href="/app/admin"' not in other.get("/app/account").text


def test_an_older_scrypt_hash_still_signs_in_and_is_stored_again_as_argon2id(stack):
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(GOOD_PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = "scrypt$n=16384,r=8,p=1${}${}".format(
        *(base64.b64encode(x).decode().rstrip("=") for x in (salt, digest))
    )
    account = make_account(password=None)
    users_table().update_item(
        Key=keys.account(account.account_id),
        UpdateExpression="SET passwordHash = :h",
        ExpressionAttributeValues={":h": legacy},
    )
    browser = Browser(stack.ports.tool_url)
    assert browser.sign_in(account.username, GOOD_PASSWORD).status_code == 303
    stored = AccountStore().get(account.account_id).password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert _status(stack, account.username, GOOD_PASSWORD) == 303


def test_the_sign_in_page_says_where_to_go_without_a_password(stack):
    page = Browser(stack.ports.tool_url).get("/app/sign-in")
    assert page.status_code == 200
    assert 'href="/app/forgot-password"' in page.text and 'autocomplete="username"' in page.text
    empty = Browser(stack.ports.tool_url).sign_in("", "")
    assert empty.status_code == 400 and "Enter your email or username" in empty.text


def test_an_account_stored_before_session_epochs_changes_its_password(stack):
    account = make_account("older@school.edu")
    users_table().update_item(
        Key=keys.account(account.account_id), UpdateExpression="REMOVE sessionEpoch"
    )
    browser = Browser(stack.ports.tool_url)
    assert browser.sign_in("older@school.edu", GOOD_PASSWORD).status_code == 303
    assert _change(browser, OTHER_PASSWORD, current=GOOD_PASSWORD).status_code == 303
    assert AccountStore().get(account.account_id).session_epoch == 1
    # A second change from the same (now older) epoch is refused: another change came first.
    from coursebridge.store.errors import AccountChanged

    with pytest.raises(AccountChanged):
        AccountStore().set_password(account.account_id, hash_password(GOOD_PASSWORD), 0)
