"""The attacks the sign-in defends against, on DynamoDB Local: telling accounts apart
(page, work, lockout), guessing passwords (slow-down, lock, per address, simultaneous
attempts), and forms posted from another site."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from sign_in_support import GOOD_PASSWORD, Browser, make_account

from coursebridge.accounts import credentials as credentials_module
from coursebridge.accounts.credentials import LOCKED, WAIT, WRONG, Credentials, SignInRefused
from coursebridge.accounts.lockout import ACCOUNT_RULE, LockoutRule
from coursebridge.store.accounts import AccountStore
from coursebridge.store.dynamo import app_table
from coursebridge.store.sign_in_failures import account_counter, name_counter

pytestmark = pytest.mark.integration

ADDRESS = "203.0.113.7"


class Clock:
    def __init__(self, now: int = 1_900_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _credentials(clock: Clock, **rules) -> Credentials:
    return Credentials(clock=clock, floor_seconds=0, **rules)


def _attempt(credentials: Credentials, name: str, password: str, address: str = ADDRESS):
    try:
        return credentials.sign_in(name, password, address)
    except SignInRefused as refused:
        return refused


def _fail_until_locked(credentials: Credentials, clock: Clock, name: str) -> list[str]:
    """Wrong passwords, each when the wait allows, until a refusal says LOCKED."""
    outcomes = []
    for _ in range(40):
        refused = _attempt(credentials, name, "wrong-password-guess")
        outcomes.append(refused.reason)
        if refused.reason == LOCKED:
            return outcomes
        if refused.reason == WAIT:
            clock.now += refused.retry_after
    raise AssertionError(outcomes)


def _normalised(page: str, name: str) -> str:
    return page.replace(name, "NAME")


@pytest.mark.parametrize("form", ["email", "username"])
def test_an_unknown_name_and_a_wrong_password_get_the_same_page(stack, form):
    account = make_account("known.person@school.edu")
    known = "known.person@school.edu" if form == "email" else account.username
    unknown = "nobody.here@school.edu" if form == "email" else "nobody.here"
    wrong = Browser(stack.ports.tool_url).sign_in(known, "not-the-password-1")
    missing = Browser(stack.ports.tool_url).sign_in(unknown, "not-the-password-1")
    assert wrong.status_code == missing.status_code == 401
    assert _normalised(wrong.text, known) == _normalised(missing.text, unknown)
    assert "set-cookie" not in wrong.headers and "set-cookie" not in missing.headers
    # An account without a password (created by a launch) answers the same too.
    lms = make_account("from.the.lms@school.edu", password=None, source="lti")
    no_password = Browser(stack.ports.tool_url).sign_in(lms.username, "not-the-password-1")
    assert _normalised(no_password.text, lms.username) == _normalised(missing.text, unknown)


def test_an_unknown_name_costs_the_same_requests_and_hashing_as_a_wrong_password(
    stack, monkeypatch
):
    """Same DynamoDB operations in the same order, one hash verification each, and at
    least the floor of time (bench/sign_in.py measures the times themselves)."""
    account = make_account("cost@school.edu")
    verified: list[str | None] = []
    real_verify = credentials_module.verify_password

    def counting_verify(password, stored):
        verified.append(stored)
        return real_verify(password, stored)

    monkeypatch.setattr(credentials_module, "verify_password", counting_verify)
    client = app_table().meta.client
    calls: list[str] = []

    def record(model, **_):
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    slept: list[float] = []
    credentials = Credentials(sleep=slept.append, timer=lambda: 0.0)
    try:
        shapes = []
        for name in ("cost@school.edu", "nobody@school.edu", account.username, "nobody"):
            calls.clear()
            verified.clear()
            assert _attempt(credentials, name, "a-wrong-password", f"198.51.100.{len(shapes)}")
            shapes.append((list(calls), len(verified)))
    finally:
        client.meta.events.unregister("before-call.dynamodb", record)
    assert all(shape == shapes[0] for shape in shapes), shapes
    assert shapes[0][1] == 1
    assert slept == [credentials_module.FLOOR_SECONDS] * 4


def test_failures_slow_down_from_the_fifth_then_the_twentieth_locks_for_fifteen_minutes(stack):
    account = make_account("target@school.edu")
    clock = Clock()
    credentials = _credentials(clock)
    for _ in range(5):
        assert _attempt(credentials, "target@school.edu", "guess-1").reason == WRONG
    slowed = _attempt(credentials, "target@school.edu", GOOD_PASSWORD)
    assert (slowed.reason, slowed.retry_after) == (WAIT, 1)  # refused without a check
    clock.now += 1
    assert _attempt(credentials, "target@school.edu", "guess-6").reason == WRONG
    assert _attempt(credentials, "target@school.edu", "guess-7").retry_after == 2
    outcomes = _fail_until_locked(credentials, clock, "target@school.edu")
    assert outcomes.count(WRONG) == 20 - 6
    locked = _attempt(credentials, account.username, GOOD_PASSWORD)  # the right one
    assert locked.reason == LOCKED and 895 <= locked.retry_after <= 900
    clock.now += locked.retry_after
    assert _attempt(credentials, account.username, GOOD_PASSWORD).account_id == account.account_id
    # A success clears the count.
    assert not app_table().get_item(Key=account_counter(account.account_id)).get("Item")


def test_a_name_that_is_no_account_slows_down_and_locks_exactly_like_one(stack):
    make_account("real@school.edu")
    real_clock, ghost_clock = Clock(), Clock()
    real = _fail_until_locked(_credentials(real_clock), real_clock, "real@school.edu")
    ghost = _fail_until_locked(_credentials(ghost_clock), ghost_clock, "ghost@school.edu")
    assert real == ghost and real_clock.now == ghost_clock.now
    assert app_table().get_item(Key=name_counter("ghost@school.edu")).get("Item")


def test_failures_count_for_the_account_whichever_of_its_names_is_typed(stack):
    account = make_account("both@school.edu")
    clock = Clock()
    credentials = _credentials(clock)
    for index in range(ACCOUNT_RULE.slow_from):
        name = "both@school.edu" if index % 2 else account.username.upper()
        assert _attempt(credentials, name, "guess").reason == WRONG
    assert _attempt(credentials, account.username, GOOD_PASSWORD).reason == WAIT


def test_one_client_address_is_slowed_then_locked_across_every_name(stack):
    rule = LockoutRule(
        slow_from=3, lock_at=5, lock_seconds=900, max_wait=10, window=900, window_from_last=False
    )
    people = [make_account(f"p{i}@school.edu") for i in range(3)]
    clock = Clock()
    credentials = _credentials(clock, address_rule=rule)
    reasons = []
    for index in range(8):
        refused = _attempt(credentials, f"p{index % 3}@school.edu", "guess")
        reasons.append(refused.reason)
        clock.now += 1
    assert reasons[:3] == [WRONG] * 3 and WAIT in reasons and reasons[-1] == LOCKED
    locked = _attempt(credentials, people[0].username, GOOD_PASSWORD)
    assert locked.reason == LOCKED
    # Another address is not affected.
    other = credentials.sign_in(people[0].username, GOOD_PASSWORD, "192.0.2.50")
    assert other.account_id == people[0].account_id


def test_simultaneous_attempts_on_one_account_cannot_share_an_allowance(stack):
    account = make_account("rush@school.edu")
    clock = Clock()
    credentials = _credentials(clock)
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def attempt(index: int) -> None:
        start.wait()
        outcomes.append(_attempt(credentials, "rush@school.edu", f"guess-{index}").reason)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counted = app_table().get_item(Key=account_counter(account.account_id), ConsistentRead=True)
    checked = outcomes.count(WRONG)
    assert checked >= 1 and outcomes.count(WAIT) == 8 - checked
    assert int(counted["Item"]["failures"]) == checked  # every checked password was counted


def test_a_locked_account_gets_a_page_that_says_so(stack):
    make_account("page@school.edu")
    clock = Clock(now=int(time.time()))
    _fail_until_locked(_credentials(clock), clock, "page@school.edu")
    page = Browser(stack.ports.tool_url).sign_in("page@school.edu", GOOD_PASSWORD)
    assert page.status_code == 429 and "signing in is locked for" in page.text


def _signed_in(stack, account) -> Browser:
    browser = Browser(stack.ports.tool_url)
    assert browser.sign_in(account.username, GOOD_PASSWORD).status_code == 303
    return browser


def _cross_site_post(stack, victim: Browser, origin: str | None):
    """A form post from another site: its ``Origin``, or none and ``Sec-Fetch-Site``."""

    def post(path: str, data: dict) -> requests.Response:
        headers = {"cookie": f"cb_signin={victim.session}"}
        headers.update({"origin": origin} if origin else {"sec-fetch-site": "cross-site"})
        return requests.post(
            stack.ports.tool_url + path, data=data, headers=headers,
            allow_redirects=False, timeout=20,
        )  # fmt: skip

    return post


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None])
def test_forms_posted_from_another_site_are_refused_and_change_nothing(stack, origin):
    account = make_account("csrf@school.edu")
    victim = _signed_in(stack, account)
    post = _cross_site_post(stack, victim, origin)

    login = post("/app/sign-in", {"name": account.username, "password": GOOD_PASSWORD})
    assert login.status_code == 403 and "set-cookie" not in login.headers
    evil = "new-pass-for-evil-9"
    change = post(
        "/app/change-password", {"current": GOOD_PASSWORD, "password": evil, "confirm": evil}
    )
    assert change.status_code == 403
    assert post("/app/sign-out-everywhere", {}).status_code == 403
    assert post("/app/forgot-password", {"name": account.username}).status_code == 403
    stored = AccountStore().get(account.account_id)
    assert stored.password_hash == account.password_hash and stored.session_epoch == 0
    assert victim.get("/app/account").status_code == 200
