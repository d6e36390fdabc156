"""First-party sessions (web/signed_in.py) against the users table on DynamoDB Local:
who counts as signed in, when a session has ended, and who is a school admin."""

from __future__ import annotations

import time

import pytest

from coursebridge.sessions import (
    SIGN_IN_COOKIE_NAME,
    Session,
    SignedIn,
    encode_session,
    encode_signed_in,
    signed_in_cookie,
)
from coursebridge.store import keys
from coursebridge.store.accounts import Account, AccountStore
from coursebridge.store.dynamo import users_table
from coursebridge.web.errors import Forbidden, NotSignedIn
from coursebridge.web.signed_in import (
    PasswordChangeRequired,
    require_same_origin,
    require_school_admin,
    require_signed_in,
)
from tests.classroom import make_org

pytestmark = pytest.mark.integration


def _event(token: str | None, **headers: str) -> dict:
    cookies = [f"{SIGN_IN_COOKIE_NAME}={token}"] if token else []
    return {"cookies": cookies, "headers": {"host": "tool.example", **headers}}


def _account(stack, **fields) -> Account:
    return AccountStore().create(Account(email=f"{time.time_ns()}@school.example", **fields))


def test_a_valid_cookie_is_the_account_signed_in(stack):
    account = _account(stack)
    signed = require_signed_in(_event(encode_signed_in(SignedIn(account_id=account.account_id))))
    assert signed.account.account_id == account.account_id


@pytest.mark.parametrize("case", ["none", "forged", "expired", "launch-session", "gone"])
def test_anything_but_a_live_signed_in_cookie_is_not_signed_in(stack, case):
    account = _account(stack)
    good = encode_signed_in(SignedIn(account_id=account.account_id))
    token = {
        "none": None,
        "forged": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "expired": encode_signed_in(SignedIn(account_id=account.account_id, exp=1)),
        "launch-session": encode_session(
            Session(
                account_id=account.account_id,
                org_id="acme",
                issuer="https://lms",
                deployment_id="d",
                role="TEACHER",
            )
        ),
        "gone": encode_signed_in(SignedIn(account_id="acc_never_created")),
    }[case]
    with pytest.raises(NotSignedIn):
        require_signed_in(_event(token))


def test_a_password_change_ends_the_sessions_signed_before_it(stack):
    account = _account(stack)
    before = encode_signed_in(SignedIn(account_id=account.account_id, session_epoch=0))
    users_table().update_item(
        Key=keys.account(account.account_id),
        UpdateExpression="SET sessionEpoch = :e",
        ExpressionAttributeValues={":e": 1},
    )
    with pytest.raises(NotSignedIn):
        require_signed_in(_event(before))
    after = encode_signed_in(SignedIn(account_id=account.account_id, session_epoch=1))
    assert require_signed_in(_event(after)).account.session_epoch == 1


def test_a_first_login_session_may_only_change_its_password(stack):
    account = _account(stack, must_change_password=True)
    token = encode_signed_in(SignedIn(account_id=account.account_id, must_change_password=True))
    with pytest.raises(PasswordChangeRequired):
        require_signed_in(_event(token))
    assert require_signed_in(_event(token), password_change_allowed=True)


def test_a_school_admin_acts_on_their_schools_org_only(stack):
    make_org("acme", schools=["north"])
    make_org("globex", schools=["south"])
    admin = _account(stack, orgs={"acme"})
    AccountStore().grant_admin(admin.account_id, "acme", "north")
    found = require_school_admin(_event(encode_signed_in(SignedIn(account_id=admin.account_id))))
    assert (found.org_id, found.schools) == ("acme", frozenset({"north"}))


def test_an_account_without_admin_rights_is_refused_the_portal(stack):
    make_org("acme", schools=["north"])
    teacher = _account(stack, orgs={"acme"}, schools={"north"}, is_teacher=True)
    with pytest.raises(Forbidden, match="administers no school"):
        require_school_admin(_event(encode_signed_in(SignedIn(account_id=teacher.account_id))))


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"origin": "https://tool.example"}, True),
        ({}, True),
        ({"sec-fetch-site": "same-origin"}, True),
        ({"origin": "https://evil.example"}, False),
        ({"origin": "null"}, False),
        ({"origin": "null", "sec-fetch-site": "same-origin"}, True),  # no-referrer pages
        ({"origin": "null", "sec-fetch-site": "cross-site"}, False),
        ({"sec-fetch-site": "cross-site"}, False),
        ({"sec-fetch-site": "same-site"}, False),
    ],
)
def test_a_form_post_from_another_site_is_refused(headers, allowed):
    event = _event(None, **headers)
    if allowed:
        require_same_origin(event)
    else:
        with pytest.raises(Forbidden, match="another site"):
            require_same_origin(event)


def test_the_cookie_is_first_party_http_only_and_app_scoped():
    cookie = signed_in_cookie("t")
    assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/app"} <= {
        part.strip() for part in cookie.split(";")
    }
    assert "SameSite=None" not in cookie
